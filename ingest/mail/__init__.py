"""E-mail intake: the shop's mailbox (IMAP) or a folder of .eml files, read by the mail task
(`ingest.tasks.read_mail`) and by `manage.py ingest_mail PATH…`.

mailbox.py   where messages come from (IMAP, a folder), behind one interface
reading.py   one message taken apart: sender, subject, text, attachments with decoded names
matching.py  the client by a contact's address, the job by the code a subject names
services.py  the writes: store once, file with a job, attachments through ingest(), a
             manager's match or discard, and the "drawings measured" event finance quotes on
"""
