"""The operators' web catalog (server-rendered pages); `install(app)` adds its routes and assets."""

from app.web.routes import install

__all__ = ["install"]
