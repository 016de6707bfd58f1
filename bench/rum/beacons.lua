-- wrk script for bench/rum.sh: POST /api/rum with beacons of 10 events each, as the app sends
-- them (text/plain, what navigator.sendBeacon sends): five web vitals, one navigation timing,
-- four analysis timings — or three and a JS error in one beacon out of ten: 10 stored rows per
-- beacon. 512 distinct bodies per thread (sessions, routes, devices, values), chosen
-- round-robin, built once at start-up so wrk spends nothing per request.

local bodies = {}
local count = 512
local next_body = 0

math.randomseed(os.time() + math.floor(os.clock() * 1e6))

local function vital(name, value, at)
  return string.format('{"type":"vital","name":"%s","value":%.3f,"at_ms":%.1f}', name, value, at)
end

local function timing(name, ms, at)
  return string.format(
    '{"type":"timing","name":"%s","duration_ms":%.1f,"size":"1-10MB","rows":"10k-100k","thread":"worker","at_ms":%.1f}',
    name, ms, at)
end

local routes = { "/", "/drift", "/quality" }
local devices = { "desktop", "mobile" }

for i = 1, count do
  local session = string.format("bench-%08x-%04d", math.random(0, 0x7fffffff), i)
  local route = routes[(i % #routes) + 1]
  local device = devices[(i % #devices) + 1]
  local events = {
    vital("LCP", 800 + math.random() * 3500, 900),
    vital("FCP", 300 + math.random() * 2500, 400),
    vital("TTFB", 20 + math.random() * 1200, 30),
    vital("CLS", math.random() * 0.3, 1000),
    vital("INP", 16 + math.random() * 400, 5000),
    string.format(
      '{"type":"navigation","dns_ms":%.1f,"connect_ms":%.1f,"ttfb_ms":%.1f,"dom_content_loaded_ms":%.1f,"load_ms":%.1f,"transfer_bytes":%d,"at_ms":%.1f}',
      math.random() * 20, math.random() * 40, 30 + math.random() * 200, 300 + math.random() * 500,
      400 + math.random() * 800, 1200 + math.random(0, 4000), 1200),
    timing("read", 5 + math.random() * 200, 6000),
    timing("parse", 50 + math.random() * 2000, 6100),
    timing("profile", 100 + math.random() * 4000, 6200),
  }
  if i % 10 == 0 then
    events[#events + 1] = string.format(
      '{"type":"error","kind":"error","message":"row %d of \'data.csv\' failed","source":"https://app.example/app-0123456789abcdef.js","line":%d,"column":7,"stack":"Error: row %d\\n    at parse (app.js:1:7)","at_ms":6300}',
      math.random(1, 100000), 100 + (i % 3), i)
  else
    events[#events + 1] = timing("drift", 200 + math.random() * 6000, 6400)
  end
  local body = string.format(
    '{"session":"%s","app_version":"0.1.0","context":{"route":"%s","device":"%s","connection":"4g","viewport":"1280+","browser":"chromium"},"events":[%s]}',
    session, route, device, table.concat(events, ","))
  bodies[i] = wrk.format("POST", "/api/rum", { ["Content-Type"] = "text/plain;charset=UTF-8" }, body)
end

function request()
  next_body = (next_body % count) + 1
  return bodies[next_body]
end
