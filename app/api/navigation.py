"""Whether a request that would start a run comes from a person opening the page.

`GET /` and assignment links start a run. Followed blindly, they let a chat app's link preview,
a crawler or another site's `<img src>` fill the server with runs (628 in a minute from one
client). Browsers say what a request is for in its Fetch Metadata headers: only a top-level
navigation typed in the address bar or followed from this site starts a run at once; any other
request is shown a page with a button that starts it by POST, which only this site's own pages
can send.
"""

from fastapi import Request

# Sec-Fetch-Site of a navigation a person made here: typed, bookmarked, or a link on this site.
_OWN_SITES = frozenset({"none", "same-origin"})


def is_direct_navigation(request: Request) -> bool:
    """Whether the request is a person opening this address in a browser tab themselves.

    Not a prefetch or prerender of the address bar's guess (`Sec-Purpose`), which would start
    a run while the learner is still typing.
    """
    headers = request.headers
    return (
        headers.get("sec-fetch-mode") == "navigate"
        and headers.get("sec-fetch-dest", "document") == "document"
        and headers.get("sec-fetch-site") in _OWN_SITES
        and "sec-purpose" not in headers
    )


def is_cross_site(request: Request) -> bool:
    """Whether a page of another site sent the request, as far as the browser says.

    A script or a command-line client sends neither header, and is not another site's page.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in _OWN_SITES
    origin = request.headers.get("origin")
    return origin is not None and origin != _own_origin(request)


def is_same_origin_post(request: Request) -> bool:
    """Whether a form POST was sent by one of this site's own pages.

    Browsers send `Origin` with every POST; a page of another site cannot forge it, nor the
    Fetch Metadata header that newer browsers add.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and origin == _own_origin(request)


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
