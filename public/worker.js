// The explorer's Web Worker: loads racelab's worker wasm (src/bin/worker.rs), which then
// listens for a job and posts progress and the report. scripts/build.sh versions both URLs.
import init from "./racelab_worker.js";

init({ module_or_path: new URL("./racelab_worker_bg.wasm", import.meta.url) }).catch((error) => {
  postMessage(JSON.stringify({ Error: "the explorer's worker could not start: " + error }));
});
