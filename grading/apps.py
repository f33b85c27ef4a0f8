from django.apps import AppConfig


class GradingConfig(AppConfig):
    """Scores, rubrics, review, feedback and regrades.

    The app's label stays ``gradebook``, its name when the project package was also the
    grading app: the label names its migrations (and every deployed database's migration
    history), its tables (``gradebook_score``...), content types and permissions, so keeping
    it lets existing databases migrate on with nothing renamed.
    """

    name = "grading"
    label = "gradebook"
    verbose_name = "Grades and reviews"

    def ready(self) -> None:
        # grading.notify sends its task by name after the commit: every process registers
        # the tasks, not only the workers that autodiscover them (as exams does).
        from grading import tasks  # noqa: F401
