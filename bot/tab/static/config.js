// The configuration page Teams shows when a team adds the Schedule tab: nothing to choose,
// so it says what the tab shows and lets Save add it, pointing at the tab inside Teams.
"use strict";

(async () => {
  const status = document.getElementById("status");
  const teams = window.microsoftTeams;
  try {
    await teams.app.initialize();
    const context = await teams.app.getContext();
    document.documentElement.dataset.theme = context.app.theme === "default" ? "light" : context.app.theme;
    const origin = window.location.origin;
    teams.pages.config.registerOnSaveHandler((saveEvent) => {
      teams.pages.config.setConfig({
        entityId: "schedule",
        suggestedDisplayName: "Schedule",
        contentUrl: `${origin}/tab/schedule?inTeams=1`,
        websiteUrl: `${origin}/tab/schedule`,
      }).then(() => saveEvent.notifySuccess(), (error) => saveEvent.notifyFailure(String(error)));
    });
    teams.pages.config.setValidityState(true);
    teams.app.notifySuccess();
    document.getElementById("app").dataset.state = "ready";
  } catch (error) {
    status.textContent = `This page is for Teams: add the Schedule tab from a channel (${error.message || error}).`;
    status.hidden = false;
    document.getElementById("app").dataset.state = "error";
  }
})();
