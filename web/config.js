// Where the chat widget's socket is. This default, the page's own origin, suits a web server
// that proxies /socket.io/ to Rasa (deploy/nginx); scripts/web_server.py (`make run`, tests)
// serves its own /config.js instead, with the Rasa server's port (docs/web.md).
window.MILA_WEB_CONFIG = { socketUrl: null, socketPort: null, socketPath: "/socket.io/" };
