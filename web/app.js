// The page's language and wording, and the chat widget (rasa-webchat 1.0.1) set up for it.
// Language: ?lang=fr|en, else the visitor's last choice in this tab, else the browser's
// language if it is one of ours, else French.
// Switching language reloads the page; the conversation survives (session storage + Rasa's
// session_persistence), and every message then carries customData {language}, which the
// assistant answers in (actions/language.py). See docs/web.md.
(function () {
  "use strict";

  var LANGUAGES = ["en", "fr"];
  var STORAGE_KEY = "mila-language";
  var WORDING = {
    en: {
      title: "Mila – Quebec AI Institute",
      siteName: "Mila – Quebec AI Institute",
      languages: "Language",
      launcher: "Any questions?",
      chatTitle: "Mila",
      chatSubtitle: "Virtual assistant",
      inputHint: "Type your question…",
      connecting: "Connecting…"
    },
    fr: {
      title: "Mila – Institut québécois d'IA",
      siteName: "Mila – Institut québécois d'IA",
      languages: "Langue",
      launcher: "Des questions ?",
      chatTitle: "Mila",
      chatSubtitle: "Assistant virtuel",
      inputHint: "Écrivez votre question…",
      connecting: "Connexion…"
    }
  };

  function stored() {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY);
    } catch (error) {
      return null; // storage disabled: fall back to the browser's language
    }
  }

  function remember(language) {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, language);
    } catch (error) {
      // nothing to do: the language is still in the URL
    }
  }

  function chooseLanguage() {
    var requested = new URLSearchParams(window.location.search).get("lang");
    var candidates = [requested, stored(), (navigator.language || "").slice(0, 2)];
    for (var i = 0; i < candidates.length; i++) {
      var code = (candidates[i] || "").toLowerCase();
      if (LANGUAGES.indexOf(code) >= 0) return code;
    }
    return "fr"; // the assistant's default language too (actions/settings.yml)
  }

  function applyWording(language, words) {
    document.documentElement.lang = language;
    document.title = words.title;
    document.querySelectorAll("[data-text]").forEach(function (element) {
      element.textContent = words[element.getAttribute("data-text")];
    });
    document.querySelector(".languages").setAttribute("aria-label", words.languages);
    var other = language === "fr" ? "en" : "fr";
    var link = document.getElementById("language-link");
    link.textContent = other;
    link.lang = other;
    link.hreflang = other;
    link.href = "?lang=" + other;
  }

  function socketUrl(config) {
    if (config.socketUrl) return config.socketUrl;
    var location = window.location;
    // The page's host on the Rasa server's port, else the page's origin (a proxy in front).
    if (config.socketPort) {
      return location.protocol + "//" + location.hostname + ":" + config.socketPort;
    }
    return location.origin;
  }

  // rasa-webchat renders quick replies as <div>s: make them reachable and usable by keyboard.
  function keyboardReplies(container) {
    new MutationObserver(function () {
      container.querySelectorAll(".rw-reply:not([tabindex])").forEach(function (reply) {
        reply.setAttribute("tabindex", "0");
        reply.setAttribute("role", "button");
      });
    }).observe(container, { childList: true, subtree: true });
    container.addEventListener("keydown", function (event) {
      var reply = event.target.closest && event.target.closest(".rw-reply");
      if (reply && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        reply.click();
      }
    });
  }

  function mountWidget(language, words) {
    var container = document.getElementById("chat");
    var launcher = document.getElementById("launcher");
    if (!window.WebChat || !window.MILA_WEB_CONFIG) {
      console.error("the chat widget or its configuration (config.js) did not load");
      launcher.disabled = true;
      return;
    }
    var config = window.MILA_WEB_CONFIG;
    window.WebChat.default(
      {
        socketUrl: socketUrl(config),
        socketPath: config.socketPath || "/socket.io/",
        customData: { language: language },
        // First opening: the assistant greets in the page's language.
        initPayload: "/greet",
        title: words.chatTitle,
        subtitle: words.chatSubtitle,
        inputTextFieldHint: words.inputHint,
        connectingText: words.connecting,
        // Connect when the visitor opens the chat, not on every page view.
        connectOn: "open",
        hideWhenNotConnected: false,
        showCloseButton: true,
        disableTooltips: true,
        // No per-site rules fetched from the server (a Botfront feature).
        withRules: false,
        // The conversation lasts as long as the tab: nothing is left on a shared computer.
        params: { storage: "session" },
        customMessageDelay: function (message) {
          return Math.min(600, Math.max(150, message.length * 4));
        },
        mainColor: "#1f3a93",
        userBackgroundColor: "#1f3a93",
        userTextColor: "#ffffff"
      },
      container
    );
    launcher.addEventListener("click", function () {
      var inner = container.querySelector(".rw-launcher");
      if (inner) inner.click();
    });
    keyboardReplies(container);
  }

  var language = chooseLanguage();
  remember(language);
  applyWording(language, WORDING[language]);
  mountWidget(language, WORDING[language]);
})();
