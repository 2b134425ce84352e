"""Access to the services: the roles and their rights (roles.py), the local stack's credentials, one env file
per role (secrets.py), and giving them to running services (provision.py)."""
