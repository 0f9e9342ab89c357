"""The manager's pages beside the admin: the dashboard, the calendar, and global search's pages
(the search itself is laseros.site.search). Top wiring: they read every app."""
