// The demo page: upload, show the analysis, run FGSM. Every server error is shown in #error.
let current = null;
const $ = (id) => document.getElementById(id);

function showError(msg) { $("error").textContent = msg || ""; }

function fillTable(table, rows) {
  table.innerHTML = "";
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.className = "pred";
    tr.innerHTML = `<td class="label"></td><td class="prob">${(100 * r.prob).toFixed(1)}%</td>` +
      `<td><div class="bar" style="width:${Math.round(120 * r.prob)}px"></div></td>`;
    tr.querySelector(".label").textContent = r.label;
    table.appendChild(tr);
  }
}

async function post(url, fields) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const resp = await fetch(url, { method: "POST", body: form });
  let body = null;
  try { body = await resp.json(); } catch (e) { body = { error: `The server answered ${resp.status}.` }; }
  if (!resp.ok || body.error) throw new Error(body.error || `The server answered ${resp.status}.`);
  return body;
}

async function analyze(file) {
  showError("");
  $("result").hidden = true; $("attack").hidden = true;
  try {
    const r = await post("/api/analyze", { image: file });
    current = file;
    $("img-input").src = r.image; $("img-saliency").src = r.saliency; $("img-gradcam").src = r.gradcam;
    fillTable($("top5"), r.top5);
    $("result").hidden = false; $("attack").hidden = false;
    document.body.dataset.state = "analyzed";
  } catch (e) { showError(e.message); document.body.dataset.state = "error"; }
}

$("file").addEventListener("change", (ev) => { if (ev.target.files[0]) analyze(ev.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (ev) => {
  ev.preventDefault(); drop.classList.remove("over");
  if (ev.dataTransfer.files[0]) analyze(ev.dataTransfer.files[0]);
});
$("run-fgsm").addEventListener("click", async () => {
  if (!current) return;
  showError("");
  try {
    const r = await post("/api/fgsm", { image: current, eps: $("eps").value });
    $("img-adv").src = r.image;
    fillTable($("top5-adv"), r.after);
    $("changed").textContent = r.changed
      ? `The prediction changed: ${r.before[0].label} -> ${r.after[0].label}`
      : `The prediction stayed ${r.after[0].label}`;
    document.body.dataset.state = "attacked";
  } catch (e) { showError(e.message); document.body.dataset.state = "error"; }
});
