"""Base URLs made safe to show: a URL may carry a user name and password (`https://u:p@host`).

Messages, logs and tooltips name a server with `host_of` (host[:port]) or show the
whole URL with `mask_url`; neither ever contains the user information.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

MASK = "…"
# scheme://userinfo@ anywhere in a text; userinfo stops at the first /, space or @ after it
_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#]+@")


def _split_authority(url: str) -> tuple[str, str, str, str]:
    """(scheme, userinfo, hostport, rest) of `url`; the parts are "" when absent."""
    scheme, sep, tail = url.partition("://")
    if not sep:
        scheme, tail = "", url
    cut = min((i for i in (tail.find(c) for c in "/?#") if i >= 0), default=len(tail))
    authority, rest = tail[:cut], tail[cut:]
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        userinfo, hostport = "", authority
    return scheme, userinfo, hostport, rest


def mask_url(url: str) -> str:
    """`url` with any user information replaced by `…@`; scheme, host, port and path kept.

    A query string is shown as `?…`: services put keys there too (`?key=`).
    """
    scheme, userinfo, hostport, rest = _split_authority(url.strip())
    path, _, _ = rest.partition("#")
    path, question, query = path.partition("?")
    out = f"{scheme}://" if scheme else ""
    out += f"{MASK}@" if userinfo else ""
    out += hostport + path
    if question and query:
        out += f"?{MASK}"
    return out


def host_of(url: str) -> str:
    """host[:port] of `url` (IPv6 in brackets), never the user information."""
    _, _, hostport, _ = _split_authority(url.strip())
    return hostport or mask_url(url)


def credentials_of(url: str) -> tuple[str, ...]:
    """The user name and password in `url` (as written and percent-decoded), to scrub them."""
    try:
        parts = urlsplit(url.strip())
        found = (parts.username, parts.password)
    except ValueError:
        return ()
    out: list[str] = []
    for value in found:
        if value:
            out.extend(v for v in {value, unquote(value)} if v not in out)
    return tuple(out)


def mask_urls_in(text: str) -> str:
    """Every `scheme://user:pass@` in free text with the user information masked."""
    return _USERINFO_IN_TEXT.sub(rf"\1{MASK}@", text)
