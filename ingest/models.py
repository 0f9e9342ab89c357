"""Every file that comes in: validation, naming, versioned storage, parsing."""
