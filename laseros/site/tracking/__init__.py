"""The client's tracking page: a signed, expiring, revocable link per job (no login) to follow
the job, accept or decline its quote, fetch the quote and invoices, and send a proof of payment.

links.py     the link: make, sign, read back, revoke (TrackingLink in laseros.site.models)
services.py  what a client does through a link (accept, decline, proof of payment)
selectors.py what the page shows, read in a fixed number of queries
limits.py    the per-address rate limit (TRACKING_RATE_LIMIT)
views.py, urls.py   the pages (/t/<token>/...), server-rendered, no script
api.py       GET /api/v1/projects/{id}/tracking-link/ for staff
"""
