"""A client of an AppSync API's real-time endpoint (subscriptions over AppSync's WebSocket
protocol, with gql's AppSyncWebsocketsTransport), for the demo and the tests: a subscription in a
thread of its own, acknowledged before the caller goes on, its events collected as they come."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from botocore.credentials import Credentials

REGION = "us-east-1"


def realtime_auth(graphql_url: str, api_key=None, token=None, keys=None):
    """gql's AppSync authentication for the real-time endpoint (host: the GraphQL endpoint's)."""
    from gql.transport.appsync_auth import (
        AppSyncApiKeyAuthentication,
        AppSyncIAMAuthentication,
        AppSyncJWTAuthentication,
    )

    host = urlsplit(graphql_url).netloc
    if api_key is not None:
        return AppSyncApiKeyAuthentication(host=host, api_key=api_key)
    if token is not None:
        return AppSyncJWTAuthentication(host=host, jwt=token)
    credentials = Credentials(
        keys["AccessKeyId"], keys["SecretAccessKey"], keys.get("SessionToken")
    )
    return AppSyncIAMAuthentication(host=host, region_name=REGION, credentials=credentials)


class Subscriber:
    """One subscription over AppSync's real-time protocol (gql's AppSyncWebsocketsTransport), in
    a thread of its own: `started` once AppSync acknowledged it, `events` as they arrive."""

    def __init__(self, realtime_url: str, auth, query: str, variables=None) -> None:
        import threading

        self.url, self.auth, self.query, self.variables = realtime_url, auth, query, variables
        self.events: list[dict] = []
        self.error: BaseException | None = None
        self.started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._task = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Subscriber:
        self._thread.start()
        if not self.started.wait(30):
            raise TimeoutError("the subscription was not acknowledged within 30 s")
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc) -> None:
        if self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)

    def wait_for(self, count: int = 1, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline and self.error is None:
            time.sleep(0.05)
        if self.error is not None:
            raise self.error
        return list(self.events)

    def _run(self) -> None:
        self._task = self._loop.create_task(self._subscribe())
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        finally:
            self._loop.close()

    async def _subscribe(self) -> None:
        from gql import Client, gql
        from gql.transport.appsync_websockets import AppSyncWebsocketsTransport

        class Acknowledged(AppSyncWebsocketsTransport):
            """Notes AppSync's start_ack (gql reads and drops it)."""

            started = False

            def _parse_answer(self, answer):
                parsed = super()._parse_answer(answer)
                if parsed[0] == "start_ack":
                    self.started = True
                return parsed

        transport = Acknowledged(url=self.url, auth=self.auth)
        try:
            async with Client(transport=transport) as session:
                request = gql(self.query)
                if self.variables:
                    request.variable_values = self.variables
                generator = session.subscribe(request)
                first = asyncio.ensure_future(generator.__anext__())
                # gql sends `start` without waiting: the subscription is live at start_ack.
                deadline = time.monotonic() + 30
                while not transport.started and not first.done():
                    if time.monotonic() > deadline:
                        raise TimeoutError("no start_ack from the real-time endpoint")
                    await asyncio.sleep(0.02)
                if first.done():
                    first.result()  # the start's error, raised before the test goes on
                self.started.set()
                self.events.append(await first)
                async for event in generator:
                    self.events.append(event)
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # reported to the test through wait_for / __enter__
            self.error = error
            self.started.set()
