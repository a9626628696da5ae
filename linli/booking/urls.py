from django.urls import path

from linli.booking import views

app_name = "booking"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("points/<int:point_id>/", views.point, name="point"),
    path("points/<int:point_id>/book/", views.book, name="book"),
    path("points/<int:point_id>/queue/", views.queue_page, name="queue"),
    path("points/<int:point_id>/queue/board/", views.queue_board, name="queue_board"),
    path("points/<int:point_id>/queue/take/", views.take_ticket, name="take_ticket"),
    path("points/<int:point_id>/screen/", views.screen, name="screen"),
    path("points/<int:point_id>/screen/code/", views.screen_code, name="screen_code"),
    path("tickets/<int:ticket_id>/arrived/", views.arrive, name="arrive"),
    path("bookings/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("windows/<int:window_id>/", views.window_page, name="window"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/<str:verb>/", views.visit_act, name="visit_act"),
]
