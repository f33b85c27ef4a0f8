from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"
    verbose_name = "Grades and reviews"
