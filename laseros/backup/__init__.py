"""Backups of the shop: the database and every stored file in one checked, optionally encrypted
file (`manage.py backup`, daily through django-q2), and `manage.py restore` to put one back."""
