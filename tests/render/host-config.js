// A Microsoft Teams-like host config for the Adaptive Cards renderer, light or dark.
// Teams draws cards with Segoe UI (Open Sans stands in on Linux), 14px text, Fluent colours.
(function () {
  const palettes = {
    light: {
      background: "#FFFFFF", emphasis: "#F5F5F5", accentBg: "#EBEBF5", goodBg: "#F1FAF1",
      warningBg: "#FFF9F5", attentionBg: "#FDF3F4", separator: "#E0E0E0",
      text: "#242424", subtle: "#616161", accent: "#5B5FC7", button: "#5B5FC7", good: "#0E700E",
      warning: "#BC4B09", attention: "#C50F1F", light: "#FFFFFF", dark: "#242424",
    },
    dark: {
      background: "#292929", emphasis: "#1F1F1F", accentBg: "#2F2F4A", goodBg: "#0D2E0D",
      warningBg: "#4A1E04", attentionBg: "#3E1F25", separator: "#3D3D3D",
      text: "#FFFFFF", subtle: "#ADADAD", accent: "#7F85F5", button: "#4F52B2", good: "#54B054",
      warning: "#FAA06B", attention: "#F1707B", light: "#FFFFFF", dark: "#242424",
    },
  };

  function foreground(p) {
    const pair = (c) => ({ default: c, subtle: c });
    return {
      default: { default: p.text, subtle: p.subtle },
      dark: pair(p.dark), light: pair(p.light), accent: pair(p.accent),
      good: pair(p.good), warning: pair(p.warning), attention: pair(p.attention),
    };
  }

  function style(background, p) {
    return { backgroundColor: background, foregroundColors: foreground(p) };
  }

  window.teamsHostConfig = function (theme) {
    const p = palettes[theme];
    const sizes = { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 };
    const weights = { lighter: 300, default: 400, bolder: 600 };
    return {
      fontFamily: "'Segoe UI', 'Open Sans', system-ui, sans-serif",
      fontTypes: {
        default: { fontFamily: "'Segoe UI', 'Open Sans', system-ui, sans-serif", fontSizes: sizes, fontWeights: weights },
        monospace: { fontFamily: "Consolas, 'DejaVu Sans Mono', monospace", fontSizes: sizes, fontWeights: weights },
      },
      spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
      separator: { lineThickness: 1, lineColor: p.separator },
      supportsInteractivity: true,
      containerStyles: {
        default: style(p.background, p), emphasis: style(p.emphasis, p), accent: style(p.accentBg, p),
        good: style(p.goodBg, p), warning: style(p.warningBg, p), attention: style(p.attentionBg, p),
      },
      actions: {
        maxActions: 6, spacing: "default", buttonSpacing: 8, actionsOrientation: "horizontal",
        actionAlignment: "stretch", iconPlacement: "leftOfTitle",
        showCard: { actionMode: "inline", inlineTopMargin: 16 },
      },
      adaptiveCard: { allowCustomStyle: true },
      factSet: {
        title: { color: "default", size: "default", isSubtle: true, weight: "default", wrap: true, maxWidth: 150 },
        value: { color: "default", size: "default", isSubtle: false, weight: "default", wrap: true },
        spacing: 12,
      },
      inputs: {
        label: {
          requiredInputs: { weight: "bolder", suffix: " *", suffixColor: "attention" },
          optionalInputs: { weight: "bolder" },
        },
        errorMessage: { size: "small", color: "attention" },
      },
      palette: p,
    };
  };
})();
