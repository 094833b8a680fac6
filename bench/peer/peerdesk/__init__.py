"""A minimal Django project serving django-helpdesk, the benchmark's peer."""
