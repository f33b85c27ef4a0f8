from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"
    verbose_name = "Grades and reviews"

    def ready(self) -> None:
        from gradebook import checks  # noqa: F401 - registers the system checks
