// The single page: a hash router (#/ catalog, #/d/NAME/VERSION dataset, #/builds) and the
// API-key field of the header.
import { apiKey, gql, setApiKey } from "./api.js";
import { renderCatalog } from "./catalog.js";
import { renderDataset } from "./dataset.js";
import { renderBuilds } from "./builds.js";

const main = document.getElementById("main");
let leave = null;

async function route() {
  leave?.();
  leave = null;
  main.replaceChildren();
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "d" && parts[1] && parts[2]) leave = await renderDataset(main, parts[1], parts[2]);
  else if (parts[0] === "builds") leave = await renderBuilds(main, {});
  else leave = await renderCatalog(main);
}

function showAuth(state, message, bad = false) {
  const badge = document.getElementById("auth-state");
  badge.textContent = state;
  badge.className = `badge ${state === "builder" ? "ok" : bad ? "bad" : ""}`;
  document.body.classList.toggle("can-build", state === "builder");
  const p = document.getElementById("auth-message");
  p.hidden = !message;
  p.textContent = message || "";
  p.className = `message ${bad ? "error" : ""}`;
  window.dispatchEvent(new CustomEvent("ds-auth"));
}

/** Checks a key with a GraphQL request that needs it to be valid (a wrong one is a 401). */
async function checkKey(key) {
  if (!key) return showAuth("read-only", "");
  try {
    await gql("{ __typename }", {}, { withKey: true, key });
    setApiKey(key);
    showAuth("builder", "");
  } catch (err) {
    setApiKey("");
    showAuth("read-only", err.status === 401 ? `Wrong API key: the server refused it (${err.message.replace(/^wrong API key: /, "")}). Still read-only.` : err.message, true);
  }
}

document.getElementById("auth").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = document.getElementById("api-key");
  void checkKey(input.value.trim());
  input.value = "";
});
document.getElementById("forget-key").addEventListener("click", () => {
  setApiKey("");
  showAuth("read-only", "");
});

window.addEventListener("hashchange", route);
await checkKey(apiKey());
await route();
