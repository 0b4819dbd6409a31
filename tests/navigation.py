"""The Fetch Metadata headers a browser sends when a person opens an address in a tab."""

# Typed in the address bar (or a bookmark): the only requests that start a run at once.
NAVIGATION = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
