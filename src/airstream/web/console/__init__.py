"""The web console: server-rendered pages over the metadata store and the broker.

Pages are Jinja2 templates rendered by the same process that serves ``/api/v2``; a few
lines of our own JavaScript (``static/console.js``) make them update live from
``/console/events`` (server-sent events). Everything is readable without JavaScript.
Install it on an application with :func:`airstream.web.console.site.install_console`.
"""
