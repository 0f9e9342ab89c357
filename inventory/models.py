"""What we cut from: materials, sheet stock, movements, offcuts."""
