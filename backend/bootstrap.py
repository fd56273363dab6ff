"""Composition root: builds settings, the unit-of-work factory, CRM registry, renderer, mailer
and clock for the web app, the jobs and the tests."""
