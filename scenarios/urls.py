from django.urls import path

from scenarios import views

app_name = "scenarios"

urlpatterns = [
    path("", views.my_scenarios, name="mine"),
    path("cohorts/<int:cohort_id>/", views.cohort_releases, name="cohort"),
    path("releases/<int:release_id>/", views.release_detail, name="release"),
    path("releases/<int:release_id>/reflection/", views.save_reflection, name="reflection"),
    path("releases/<int:release_id>/move/", views.move_member, name="move_member"),
    path("releases/<int:release_id>/groups/add/", views.add_group, name="add_group"),
    path("releases/<int:release_id>/close/", views.close_release, name="close"),
    path("groups/<int:group_id>/", views.group_detail, name="group"),
    path("groups/<int:group_id>/solution/", views.save_solution, name="save_solution"),
    path(
        "groups/<int:group_id>/solution/newer/",
        views.solution_newer,
        name="solution_newer",
    ),
    path("groups/<int:group_id>/submit/", views.submit_solution, name="submit"),
    path("groups/<int:group_id>/versions/", views.solution_history, name="history"),
    path(
        "groups/<int:group_id>/versions/take/",
        views.take_solution_version,
        name="take_version",
    ),
    path(
        "groups/<int:group_id>/versions/<int:number>/",
        views.solution_version,
        name="version",
    ),
    path(
        "groups/<int:group_id>/versions/<int:number>/restore/",
        views.restore_solution_version,
        name="restore_version",
    ),
    path("groups/<int:group_id>/feedback/", views.give_feedback, name="feedback"),
    path(
        "<int:page_id>/documents/<int:document_id>/",
        views.download_document,
        name="document",
    ),
]
