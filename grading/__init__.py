"""The grading app: scores, rubrics, review, feedback, regrades, undo, statistics, exports,
the audit log's seal and backups. It depends on ``exams``, never the reverse."""
