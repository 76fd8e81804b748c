"""Every write in ``mentoring``: plain functions with keyword-only arguments, in transactions."""
