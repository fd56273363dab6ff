"""Mail: the outbox, the SMTP sender and the email templates."""
