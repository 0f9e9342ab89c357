"""Admin for the clients app."""
