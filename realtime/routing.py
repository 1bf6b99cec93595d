from django.urls import path

from realtime.consumer import GatewayConsumer

websocket_urlpatterns = [path("ws/", GatewayConsumer.as_asgi())]
