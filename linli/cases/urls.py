"""The people's pages of the case engine: QR posters, report form, my cases, workbench, board."""

from django.urls import path

from linli.cases import media, mediation_views, views, work_order_views

app_name = "cases"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/suggest/", views.suggest, name="suggest"),
    path("follow/", views.follow, name="follow"),
    path("mine/", views.mine, name="mine"),
    path("qr/<str:code>/", views.qr_poster, name="qr"),
    path("c/<str:number>/", views.detail, name="detail"),
    path("photos/<str:token>", media.photo, name="photo"),
    path("c/<str:number>/feedback/", views.feedback, name="feedback"),
    path("c/<str:number>/act/", views.act, name="act"),
    path("c/<str:number>/triage/", views.triage_case, name="triage"),
    path("c/<str:number>/work-order/", work_order_views.send, name="send_work_order"),
    path("c/<str:number>/mediation/", mediation_views.schedule, name="mediation"),
    path(
        "c/<str:number>/mediation/<int:mediation_id>/outcome/",
        mediation_views.outcome,
        name="mediation_outcome",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("work-orders/", work_order_views.received, name="work_orders"),
    path("work-orders/<int:order_id>/", work_order_views.work_order, name="work_order"),
    path("notifications/", views.notifications, name="notifications"),
    path("board/", views.command_board, name="board"),
    path("board/cases.geojson", views.board_cases, name="board_cases"),
]
