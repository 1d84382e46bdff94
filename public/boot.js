// Starts racelab: loads the wasm-bindgen glue and the app's wasm. A file of its own, not an
// inline script, so that index.html's Content-Security-Policy allows no inline script at all.
// scripts/build.sh versions both URLs.
import init from "./racelab_web.js";

init({ module_or_path: "./racelab_web_bg.wasm" }).catch((error) => {
  console.error("racelab failed to start:", error);
  if (document.getElementById("panic")) return; // a Rust panic is already shown
  const app = document.getElementById("app");
  app.textContent = "";
  const alert = document.createElement("div");
  alert.id = "load-error";
  alert.className = "panic";
  alert.setAttribute("role", "alert");
  alert.textContent = "racelab could not start: " + error;
  app.append(alert);
});
