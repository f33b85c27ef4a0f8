"""The scan pipeline, one module per step in the order they run:

1. ``upload``: store an uploaded file once, and split it into pages;
2. ``placement``: place each page on its copy by its QR code (or set it aside for a person);
3. ``identification``: match an anonymous copy to its student from its cover;
4. ``reading``: read each answer region of a placed page (the OCR engine: ``engine``);
5. ``checking``: check a copy's answers with the exam's key; the grading app scores them.

``steps`` keeps each step's state in the database (due, attempts, work locks) and
``reconcile`` sends again what is due and lost; ``exams.tasks`` runs the steps as Celery tasks
and chains them. The image work is the pure library ``exams.scanning``.
"""
