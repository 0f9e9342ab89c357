"""What it costs and what we bill: pricing, quotes, invoices, payments."""
