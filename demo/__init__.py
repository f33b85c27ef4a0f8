"""The demo course: its plan (staff, students, answers), its midterm and answer key, the scans
generated from them, and ``manage.py demo``. It uses both apps (it builds an exam through
exams and resets it through grading's ``exam_delete``), so it is an app of its own."""
