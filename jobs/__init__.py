"""Background work: the Celery app, the beat schedule and thin tasks."""
