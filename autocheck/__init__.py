"""Pure auto-checking library: extract a student's final answer, compare it with the
solver's value, diagnose typical mistakes. No Django, Celery or settings import here."""
