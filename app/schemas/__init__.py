"""Request and response bodies of the JSON API, by the routes that use them."""
