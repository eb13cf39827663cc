"""List, then watch, one kind of object for as long as asked: the loop the recorder and the pull gate share.

Event-driven (a watch, never polling), with a server-side timeout and a client request timeout on each watch,
resumed from the last resourceVersion seen, and listed again when that version has expired (410 Gone).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from kubernetes import watch
from kubernetes.client.exceptions import ApiException

LISTED = "LISTED"
LIST_SECONDS = 15  # a list that takes longer is an apiserver that does not answer: try again


def follow(
    lister: Callable[..., Any],
    *args: Any,
    handle: Callable[[str, Any], None],
    stop: threading.Event,
    watch_seconds: int,
    on_listed: Callable[[], None] | None = None,
    on_error: Callable[[str, bool], bool] | None = None,
    relist_after_error: bool = False,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """Call `handle(kind, obj)` for every object: kind is LISTED for a (re)list, else the watch event's type.

    `on_listed` runs after each list. `on_error(what, listed_once)` decides whether to go on after an error
    (default: yes, half a second later). With `relist_after_error`, the next try lists again instead of resuming:
    its `on_listed` says that the cluster answers again, and the list is the truth after a gap (a live view wants
    both; a recording keeps its samples and resumes). With `raw`, objects are handed on as the API's JSON (dicts),
    never turned into the client's models: for a reader that wants JSON, that is most of the processor time saved.
    """
    version = ""
    listed_once = False
    while not stop.is_set():
        try:
            if not version:
                if raw:
                    answer = lister(*args, _request_timeout=LIST_SECONDS, _preload_content=False, **kwargs)
                    found = json.loads(answer.data)
                    items, version = found.get("items") or [], found["metadata"]["resourceVersion"]
                else:
                    listing = lister(*args, _request_timeout=LIST_SECONDS, **kwargs)
                    items, version = listing.items, listing.metadata.resource_version
                for item in items:
                    handle(LISTED, item)
                listed_once = True
                if on_listed is not None:
                    on_listed()
            # The client turns a "object" return type into the JSON itself, untouched.
            stream = watch.Watch(return_type="object" if raw else None).stream(
                lister,
                *args,
                resource_version=version,
                timeout_seconds=watch_seconds,
                _request_timeout=watch_seconds + 10,
                allow_watch_bookmarks=True,
                **kwargs,
            )
            for event in stream:
                obj = event["object"]
                if event["type"] == "ERROR":
                    code = obj.get("code") if isinstance(obj, dict) else None
                    raise ApiException(status=code or 500, reason=str(obj))
                if event["type"] == "BOOKMARK":
                    # The client leaves a bookmark undecoded (a dict): it only says where to resume.
                    version = (obj.get("metadata") or {}).get("resourceVersion") or version
                else:
                    seen = obj["metadata"]["resourceVersion"] if raw else obj.metadata.resource_version
                    version = seen or version
                    handle(event["type"], obj)
                if stop.is_set():
                    return
        except ApiException as exc:
            if exc.status == 410:
                version = ""  # our resourceVersion is too old: list again
                continue
            if on_error is not None and not on_error(f"{exc.status} {exc.reason}", listed_once):
                return
            if relist_after_error:
                version = ""
            stop.wait(0.5)
        except Exception as exc:  # a dropped connection or a timeout: resume from `version`
            if stop.is_set():
                return
            if on_error is not None and not on_error(f"{type(exc).__name__}: {exc}", listed_once):
                return
            if relist_after_error:
                version = ""
            stop.wait(0.5)
