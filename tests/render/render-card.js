// Runs in the page: renders one card with the Teams-like host config and reports what the
// renderer said about it (parse and validation events), the text it shows, and its height.
(function () {
  const markdown = window.markdownit({ html: false, linkify: true, breaks: true });
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = function (text, result) {
    result.outputHtml = markdown.render(text);
    result.didProcess = true;
  };

  function events(source) {
    const found = [];
    for (let i = 0; i < source.eventCount; i++) {
      const e = source.getEventAt(i);
      found.push({
        phase: AdaptiveCards.ValidationPhase[e.phase],
        event: AdaptiveCards.ValidationEvent[e.event],
        message: e.message,
      });
    }
    return found;
  }

  function applyTheme(config) {
    const p = config.palette;
    const root = document.documentElement.style;
    root.setProperty("--page", p.background === "#FFFFFF" ? "#F5F5F5" : "#1F1F1F");
    root.setProperty("--card", p.background);
    root.setProperty("--input", p.background === "#FFFFFF" ? "#FFFFFF" : "#1F1F1F");
    root.setProperty("--text", p.text);
    root.setProperty("--accent", p.accent);
    root.setProperty("--button", p.button);
    root.setProperty("--attention", p.attention);
    root.setProperty("--border", p.separator);
    root.setProperty("--border-strong", p.background === "#FFFFFF" ? "#D1D1D1" : "#666666");
  }

  window.renderCard = function (payload, theme, width) {
    const host = document.getElementById("host");
    host.innerHTML = "";
    host.style.width = width + "px";
    const config = window.teamsHostConfig(theme);
    applyTheme(config);
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = new AdaptiveCards.HostConfig(config);
    const context = new AdaptiveCards.SerializationContext();
    card.parse(payload, context);
    const problems = events(context);
    const validation = card.validateProperties();
    for (const e of validation.validationEvents) {
      problems.push({ phase: "Validation", event: AdaptiveCards.ValidationEvent[e.event], message: e.message });
    }
    const element = card.render();
    if (element) {
      host.appendChild(element);
    }
    const box = host.getBoundingClientRect();
    return {
      problems: problems,
      text: element ? element.innerText : "",
      height: element ? Math.round(box.height) : 0,
      width: Math.round(box.width),
    };
  };
})();
