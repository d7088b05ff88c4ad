"""A pool of interchangeable endpoints (several vLLM or llama.cpp servers behind one engine).

``EndpointPool`` decides where the next request goes; it sends nothing itself.  Each
endpoint has its own bound on requests in flight.  ``acquire`` hands out a slot on an
endpoint that is up, preferring the least busy one and, among equally busy ones, the one
chosen longest ago (round robin); it waits while every such endpoint is full.

An endpoint whose request failed (connection error, timeout, retryable status) is *down*
for a cooldown and skipped meanwhile; when every endpoint is down the caller may ask for
down ones too (``include_down``), since there is nowhere better to go.  When its cooldown
is over, a failed endpoint takes one request at a time until one succeeds, so a dead
server costs one request per cooldown, not a whole wave of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass


@dataclass
class Endpoint:
    url: str
    in_flight: int = 0
    down_until: float = 0.0  # clock time until which the endpoint is skipped
    failing: bool = False  # last request failed: one request at a time until one succeeds
    last_error: str | None = None
    served: int = 0  # requests answered
    failures: int = 0  # requests that failed (connection, timeout, retryable status)
    ticket: int = 0  # when it was last chosen: ties go to the one chosen longest ago


class EndpointPool:
    def __init__(
        self,
        urls: list[str],
        per_endpoint: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not urls:
            raise ValueError("an endpoint pool needs at least one endpoint")
        if len(set(urls)) != len(urls):
            raise ValueError("an endpoint is listed twice")
        if per_endpoint < 1 or cooldown < 0:
            raise ValueError("per_endpoint must be ≥ 1 and cooldown ≥ 0")
        # Negative tickets in listed order: the first acquisitions follow the list.
        self.endpoints = [Endpoint(url, ticket=i - len(urls)) for i, url in enumerate(urls)]
        self.per_endpoint = per_endpoint
        self.cooldown = cooldown
        self._clock = clock
        self._tickets = 0
        self._changed = threading.Condition()

    @property
    def urls(self) -> list[str]:
        return [e.url for e in self.endpoints]

    def is_down(self, url: str) -> bool:
        with self._changed:
            return self._get(url).down_until > self._clock()

    def all_down(self, exclude: Collection[str] = ()) -> bool:
        """Whether every endpoint not in ``exclude`` is in its cooldown (True when none is left)."""
        with self._changed:
            now = self._clock()
            return all(e.down_until > now for e in self.endpoints if e.url not in exclude)

    def acquire(self, exclude: Collection[str] = (), include_down: bool = False) -> Endpoint | None:
        """A slot on the best endpoint not in ``exclude``; waits while all of them are full.

        Only endpoints that are up count, unless ``include_down`` (the caller found every
        endpoint down and tries them anyway); up ones still come first.  None when no
        endpoint is left to try.  Every endpoint returned must be given back with
        ``release``.
        """
        with self._changed:
            while True:
                now = self._clock()
                candidates = [e for e in self.endpoints if e.url not in exclude]
                eligible = candidates if include_down else [e for e in candidates if e.down_until <= now]
                if not eligible:
                    return None
                free = [e for e in eligible if e.in_flight < self._bound(e, now)]
                if free:
                    chosen = min(free, key=lambda e: (e.down_until > now, e.in_flight, e.ticket))
                    chosen.in_flight += 1
                    self._tickets += 1
                    chosen.ticket = self._tickets
                    return chosen
                # All full: wait for a release, or for a cooldown to end (one more endpoint up).
                ends = [e.down_until - now for e in candidates if e.down_until > now]
                self._changed.wait(timeout=min(ends) if ends else None)

    def release(self, endpoint: Endpoint, failure: str | None = None, down_for: float | None = None) -> None:
        """Give the slot back.  ``failure`` marks the endpoint down for the cooldown, or for
        ``down_for`` seconds when that is longer (a server asking to wait with Retry-After)."""
        with self._changed:
            endpoint.in_flight -= 1
            if failure is None:
                endpoint.served += 1
                endpoint.failing = False
                endpoint.down_until = 0.0
            else:
                endpoint.failures += 1
                endpoint.failing = True
                endpoint.last_error = failure
                until = self._clock() + max(self.cooldown, down_for or 0.0)
                endpoint.down_until = max(endpoint.down_until, until)
            self._changed.notify_all()

    def mark_down(self, url: str, reason: str) -> None:
        """Skip this endpoint for the cooldown (it failed a check outside any request)."""
        with self._changed:
            endpoint = self._get(url)
            endpoint.failing = True
            endpoint.last_error = reason
            endpoint.down_until = max(endpoint.down_until, self._clock() + self.cooldown)
            self._changed.notify_all()

    def last_error(self, url: str) -> str | None:
        with self._changed:
            return self._get(url).last_error

    def _bound(self, endpoint: Endpoint, now: float) -> int:
        # A failed endpoint back from its cooldown takes one request at a time until one
        # succeeds.  (One still down is only tried when all are: then it takes its share.)
        return 1 if endpoint.failing and endpoint.down_until <= now else self.per_endpoint

    def _get(self, url: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.url == url:
                return endpoint
        raise KeyError(url)
