"""The PostgreSQL engine: the same collaborators and rows as the SQLite file, on a server
(see the store package's docstring for how the two engines stay equal)."""
