from django.urls import path

from exams import views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<int:course_id>/", views.course_detail, name="course_detail"),
    path("exams/<int:exam_id>/", views.exam_detail, name="exam_detail"),
    path("pages/<int:page_id>/image", views.page_image, name="page_image"),
]
