"""One router per resource of the REST API, each with its prefix and tag; `app.main` includes them."""
