// feedserver web page: the few things that need script. Every action goes to
// the endpoint a client would use, with the API key in a request header. The
// key lives in the page's input and, if asked, in sessionStorage; never in a
// cookie, a URL or the page's HTML. Text from the server is set with
// textContent only.
"use strict";
(function () {
	var KEY = "feedserver.apikey";
	function $(id) { return document.getElementById(id); }

	// --- the API key field ---------------------------------------------------
	var keyInput = $("apikey"), remember = $("remember-key");
	function storage() { try { return window.sessionStorage; } catch (e) { return null; } }
	if (keyInput && remember) {
		var s = storage(), saved = s && s.getItem(KEY);
		if (saved) { keyInput.value = saved; remember.checked = true; }
		var save = function () {
			var st = storage();
			if (!st) return;
			if (remember.checked && keyInput.value.trim()) st.setItem(KEY, keyInput.value.trim());
			else st.removeItem(KEY);
		};
		keyInput.addEventListener("input", save);
		remember.addEventListener("change", save);
	}
	function apiKey() { return keyInput ? keyInput.value.trim() : ""; }
	function needKey(out) {
		if (apiKey()) return false;
		var tools = $("admin-tools");
		if (tools) tools.open = true;
		show(out, "Enter an API key first.", false);
		if (keyInput) keyInput.focus();
		return true;
	}

	function show(el, text, ok) {
		if (!el) return;
		el.textContent = text;
		el.className = "result" + (ok === true ? " ok" : ok === false ? " err" : "");
	}

	// errorText is the server's message verbatim: Octopus' ErrorMessage and
	// Errors, or the body as sent (NuGet's plain text).
	function errorText(status, body) {
		try {
			var j = JSON.parse(body);
			if (j && typeof j.ErrorMessage === "string") {
				return [j.ErrorMessage].concat(Array.isArray(j.Errors) ? j.Errors : []).join("\n");
			}
		} catch (e) { /* not JSON */ }
		return (body || "").trim() || "HTTP " + status;
	}

	// send is fetch with the key in the header the endpoint's clients use.
	function send(method, url, header, body) {
		var h = { "Accept": "application/json" };
		var k = apiKey();
		if (k) h[header || "X-NuGet-ApiKey"] = header === "Authorization" ? "Bearer " + k : k;
		if (body) h["Content-Type"] = "application/json";
		return fetch(url, { method: method, headers: h, body: body || undefined, credentials: "same-origin", cache: "no-store" })
			.then(function (r) { return r.text().then(function (t) { return { status: r.status, ok: r.ok, body: t }; }); });
	}
	function json(res) { try { return JSON.parse(res.body); } catch (e) { return null; } }

	// --- copy buttons --------------------------------------------------------
	document.addEventListener("click", function (ev) {
		var b = ev.target.closest && ev.target.closest("button.copy");
		if (!b) return;
		var src = $(b.getAttribute("data-copy"));
		if (!src) return;
		var text = src.textContent, done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(text).then(done, function () {});
		} else {
			var range = document.createRange(); range.selectNodeContents(src);
			var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
			try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: the reader copies */ }
		}
	});

	// --- administrator buttons on package pages ------------------------------
	document.addEventListener("click", function (ev) {
		var b = ev.target.closest && ev.target.closest("button.act");
		if (!b) return;
		var out = $("action-result");
		if (needKey(out)) return;
		var q = b.getAttribute("data-confirm");
		if (q && !window.confirm(q)) return;
		b.disabled = true;
		show(out, b.textContent + "…");
		send(b.getAttribute("data-method"), b.getAttribute("data-url"), b.getAttribute("data-header"), b.getAttribute("data-body"))
			.then(function (res) {
				if (!res.ok) { b.disabled = false; show(out, errorText(res.status, res.body), false); return; }
				show(out, b.textContent + ": done.", true);
				var after = b.getAttribute("data-after");
				setTimeout(function () { if (after) location.assign(after); else location.reload(); }, 400);
			}, function (err) { b.disabled = false; show(out, "Request failed: " + err, false); });
	});

	// --- deprecation form on NuGet package pages -----------------------------
	// PUT and DELETE /api/admin/deprecation, the endpoint scripts use.
	var dep = $("deprecate-form");
	if (dep) {
		var depOut = $("deprecate-result");
		var target = function () {
			return { space: dep.getAttribute("data-space"), id: dep.getAttribute("data-id"), versions: [dep.getAttribute("data-version")] };
		};
		var depSend = function (method, body, what) {
			if (needKey(depOut)) return;
			show(depOut, what + "…");
			send(method, "/api/admin/deprecation", "X-NuGet-ApiKey", JSON.stringify(body)).then(function (res) {
				if (!res.ok) { show(depOut, errorText(res.status, res.body), false); return; }
				show(depOut, what + ": done.", true);
				setTimeout(function () { location.reload(); }, 400);
			}, function (err) { show(depOut, "Request failed: " + err, false); });
		};
		dep.addEventListener("submit", function (ev) {
			ev.preventDefault();
			var body = target();
			body.reasons = Array.prototype.map.call(dep.querySelectorAll("input[name=reason]:checked"), function (c) { return c.value; });
			body.message = $("deprecate-message").value;
			body.alternatePackageId = $("deprecate-alt-id").value.trim();
			body.alternatePackageVersion = $("deprecate-alt-version").value.trim();
			depSend("PUT", body, "Deprecate");
		});
		$("deprecate-clear").addEventListener("click", function () { depSend("DELETE", target(), "Clear deprecation"); });
	}

	// --- upload --------------------------------------------------------------
	var form = $("upload-form");
	if (form) {
		var fileInput = $("upload-file"), drop = $("drop"), nameOut = $("upload-name"), bar = $("upload-progress"),
			out = $("upload-result"), conflict = $("upload-conflict"), submit = $("upload-submit"), chosen = null;
		var pick = function (f) { chosen = f || null; nameOut.textContent = f ? f.name + " (" + f.size + " bytes)" : ""; };
		fileInput.addEventListener("change", function () { pick(fileInput.files[0]); });
		["dragenter", "dragover"].forEach(function (t) {
			drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
		});
		["dragleave", "drop"].forEach(function (t) {
			drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
		});
		drop.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) pick(e.dataTransfer.files[0]); });

		var upload = function (mode) {
			conflict.hidden = true;
			if (!chosen) { show(out, "Choose a package file first.", false); fileInput.focus(); return; }
			if (!apiKey()) { show(out, "Enter an API key first.", false); keyInput.focus(); return; }
			var space = $("upload-space").value || "Spaces-1";
			var data = new FormData();
			data.append("file", chosen, chosen.name);
			var xhr = new XMLHttpRequest();
			xhr.open("POST", "/api/" + encodeURIComponent(space) + "/packages/raw?overwriteMode=" + mode);
			xhr.setRequestHeader("X-Octopus-ApiKey", apiKey());
			xhr.setRequestHeader("Accept", "application/json");
			bar.hidden = false; bar.value = 0; bar.textContent = "0%";
			submit.disabled = true;
			show(out, "Uploading " + chosen.name + "…");
			xhr.upload.addEventListener("progress", function (e) {
				if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); bar.textContent = bar.value + "%"; }
			});
			xhr.addEventListener("load", function () {
				submit.disabled = false; bar.value = 100;
				var body = xhr.responseText;
				if (xhr.status === 201 || xhr.status === 200) {
					var p = null; try { p = JSON.parse(body); } catch (e) { /* keep null */ }
					show(out, "", true);
					out.appendChild(document.createTextNode((mode === "OverwriteExisting" ? "Replaced " : "Created ") +
						(p ? p.PackageId + " " + p.Version : chosen.name) + ". "));
					if (p && p.PackageId) {
						var a = document.createElement("a");
						var kind = p.FileExtension && p.FileExtension.toLowerCase() !== ".nupkg" ? "&kind=raw" : "";
						a.href = "/packages/" + encodeURIComponent(p.PackageId) + "/" + encodeURIComponent(p.Version) +
							"?space=" + encodeURIComponent(space) + kind;
						a.textContent = "Open the package page";
						a.id = "upload-link";
						out.appendChild(a);
					}
					return;
				}
				show(out, errorText(xhr.status, body), false);
				if (xhr.status === 409) { conflict.hidden = false; }
			});
			xhr.addEventListener("error", function () { submit.disabled = false; show(out, "The upload failed: the connection was lost.", false); });
			xhr.send(data);
		};
		form.addEventListener("submit", function (e) { e.preventDefault(); upload("FailIfExists"); });
		$("upload-overwrite").addEventListener("click", function () { upload("OverwriteExisting"); });
	}

	// --- administration page -------------------------------------------------
	// describe renders a JSON value as readable lines, whatever its shape.
	function describe(v, indent) {
		indent = indent || "";
		if (v === null || typeof v !== "object") return String(v);
		var lines = [];
		Object.keys(v).forEach(function (k) {
			var x = v[k];
			if (x !== null && typeof x === "object" && Object.keys(x).length) {
				lines.push(indent + k + ":");
				lines.push(describe(x, indent + "  "));
			} else {
				lines.push(indent + k + ": " + (Array.isArray(x) ? "none" : String(x)));
			}
		});
		return lines.join("\n");
	}
	function adminButton(id, fn) {
		var b = $(id);
		if (b) b.addEventListener("click", fn);
	}

	var rxOut = $("reindex-result"), rxBar = $("reindex-progress"), rxTimer = null;
	function reindexState() {
		send("GET", "/api/admin/reindex").then(function (res) {
			if (!res.ok) { rxBar.hidden = true; show(rxOut, errorText(res.status, res.body), false); return; }
			var st = json(res) || {};
			var running = !!(st.Running || st.running);
			rxBar.hidden = !running;
			show(rxOut, (running ? "Running…\n" : "Idle.\n") + describe(st), !running && !(st.error || st.Err));
			clearTimeout(rxTimer);
			if (running) rxTimer = setTimeout(reindexState, 1000);
		}, function (err) { show(rxOut, "Request failed: " + err, false); });
	}
	adminButton("reindex-start", function () {
		if (needKey(rxOut)) return;
		send("POST", "/api/admin/reindex").then(function (res) {
			if (!res.ok) { show(rxOut, errorText(res.status, res.body), false); return; }
			reindexState();
		}, function (err) { show(rxOut, "Request failed: " + err, false); });
	});
	adminButton("reindex-refresh", function () { if (!needKey(rxOut)) reindexState(); });

	var retOut = $("retention-result");
	function retention(dry) {
		if (needKey(retOut)) return;
		if (!dry && !window.confirm("Apply retention now? The packages listed by the dry run are deleted.")) return;
		show(retOut, dry ? "Dry run…" : "Applying retention…");
		send("POST", "/api/admin/retention?dryRun=" + (dry ? "true" : "false")).then(function (res) {
			if (!res.ok) { show(retOut, errorText(res.status, res.body), false); return; }
			show(retOut, retentionText(json(res) || {}, dry), true);
			$("retention-run").disabled = !dry;
		}, function (err) { show(retOut, "Request failed: " + err, false); });
	}
	// retentionText summarises a report (protocol/admin's JSON), one line per package.
	function retentionText(r, dry) {
		if (typeof r.examined !== "number") return describe(r);
		var lines = [(dry ? "Dry run: would delete " : "Deleted ") + r.deleted + " of " + r.examined + " examined" +
			(r.failed ? ", " + r.failed + " failed" : "") + "."];
		(r.items || []).forEach(function (it) {
			lines.push("• " + it.id + " " + it.version + " (" + it.kind + (it.space || it.owner ? ", " + (it.space || it.owner) : "") + "): " + it.reason);
		});
		if (r.truncated) lines.push("… and more: the server log has the full list.");
		return lines.join("\n");
	}
	adminButton("retention-dry", function () { retention(true); });
	adminButton("retention-run", function () { retention(false); });

	var keysOut = $("keys-result"), keysTable = $("keys-table");
	function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); return td; }
	function day(t) { return t ? String(t).slice(0, 10) : "—"; }
	function loadKeys() {
		send("GET", "/api/admin/apikeys").then(function (res) {
			if (!res.ok) { show(keysOut, errorText(res.status, res.body), false); return; }
			var body = keysTable.tBodies[0];
			while (body.firstChild) body.removeChild(body.firstChild);
			(json(res) || []).forEach(function (k) {
				var tr = document.createElement("tr");
				var th = document.createElement("th"); th.scope = "row"; th.textContent = k.name; tr.appendChild(th);
				cell(tr, k.id); cell(tr, k.role);
				cell(tr, (k.spaces.length ? k.spaces.join(", ") : "all spaces") + (k.owners.length ? "; owners " + k.owners.join(", ") : ""));
				cell(tr, day(k.created)); cell(tr, day(k.lastUsed));
				cell(tr, k.active ? "active" : k.revokedAt ? "revoked" : "expired");
				var td = cell(tr, "");
				if (k.active) {
					var b = document.createElement("button");
					b.type = "button"; b.className = "danger"; b.textContent = "Revoke";
					b.setAttribute("aria-label", "Revoke " + k.name);
					b.addEventListener("click", function () {
						if (!window.confirm("Revoke the key " + k.name + "? Anything using it stops working at once.")) return;
						send("DELETE", "/api/admin/apikeys/" + encodeURIComponent(k.id)).then(function (r) {
							if (!r.ok) { show(keysOut, errorText(r.status, r.body), false); return; }
							show(keysOut, "Revoked " + k.name + ".", true);
							loadKeys();
						});
					});
					td.appendChild(b);
				}
				body.appendChild(tr);
			});
			keysTable.hidden = false;
		}, function (err) { show(keysOut, "Request failed: " + err, false); });
	}
	adminButton("keys-load", function () { if (!needKey(keysOut)) loadKeys(); });
	var keyForm = $("key-create");
	if (keyForm) {
		var list = function (id) { return $(id).value.split(",").map(function (s) { return s.trim(); }).filter(Boolean); };
		keyForm.addEventListener("submit", function (e) {
			e.preventDefault();
			if (needKey(keysOut)) return;
			var req = { name: $("key-name").value.trim(), role: $("key-role").value, spaces: list("key-spaces"), owners: list("key-owners") };
			if ($("key-expires").value) req.expires = new Date($("key-expires").value + "T00:00:00Z").toISOString();
			send("POST", "/api/admin/apikeys", "X-NuGet-ApiKey", JSON.stringify(req)).then(function (res) {
				if (!res.ok) { show(keysOut, errorText(res.status, res.body), false); return; }
				var k = json(res);
				show(keysOut, "Created the key " + k.name + " (" + k.id + ").", true);
				$("key-new-value").textContent = k.key;
				$("key-new").hidden = false;
				keyForm.reset();
				loadKeys();
			}, function (err) { show(keysOut, "Request failed: " + err, false); });
		});
	}
})();
