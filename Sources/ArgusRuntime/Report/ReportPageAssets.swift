/// The page's inline CSS and script. The script only adds: a cursor at the same instant on
/// every chart with the values under it (also at `#t=SECONDS` in the address), and the log
/// list's filter. When it has run to the end
/// without throwing it sets `data-report-ready="yes"` on the body (the browser test reads it).
enum ReportPageAssets {
    static let css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}
        h1{font-size:20px;margin:0}h2{font-size:17px;margin:24px 0 6px;border-bottom:1px solid #ddd}
        h3{font-size:14px;margin:12px 0 2px}.sub{color:#666;margin:2px 0 8px}
        dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0}dt{color:#666}dd{margin:0}
        .bad{color:#b00;font-weight:600}.note{color:#666;font-style:italic}
        svg.chart{width:100%;height:auto;display:block;overflow:visible}
        .grid{stroke:#eee}.axis{stroke:#999}.ylabel{font-size:10px;text-anchor:end;dominant-baseline:middle;fill:#666}
        .xlabel{font-size:10px;text-anchor:middle;fill:#666}
        .series{fill:none;stroke-width:1.2}.cursor{stroke:#000;stroke-dasharray:3 3;visibility:hidden}
        .stall{fill:#f5a623;fill-opacity:.22}.stall:hover{fill-opacity:.4}
        .legend span{margin-right:12px;font-size:12px;white-space:nowrap}
        .legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle;border-radius:2px}
        .bar rect,.legend i.ok{fill:#9bbf8a;background:#9bbf8a}.bar.exit rect,.legend i.exit{fill:#e0533d;background:#e0533d}
        .bar.signal rect,.legend i.signal{fill:#8e44ad;background:#8e44ad}
        .bar.unknown rect,.legend i.unknown{fill:#aaa;background:#aaa}
        .bar.running rect,.legend i.running{fill:#5b9bd5;background:#5b9bd5}
        .bar text{font-size:10px;fill:#111;pointer-events:none}.logmark{stroke:#2a7ab0;stroke-width:1}
        .scroll{max-height:400px;overflow:auto;border:1px solid #eee}
        table{border-collapse:collapse;font-size:12px}td,th{padding:1px 8px 1px 0;vertical-align:top;text-align:left}
        #loglist td:last-child{font-family:monospace;white-space:pre-wrap}
        pre{margin:0;font-size:11px}details{margin:4px 0 4px 12px}.stall-item{margin-bottom:12px}
        #tip{position:absolute;display:none;background:#fff;border:1px solid #999;padding:4px 6px;font-size:12px;
        pointer-events:none;box-shadow:0 1px 4px rgba(0,0,0,.2);white-space:nowrap}
        """

    static let script = """
        (function () {
          'use strict';
          var data = JSON.parse(document.getElementById('report-data').textContent);
          var tip = document.getElementById('tip');
          var cursors = document.querySelectorAll('line.cursor');
          function esc(s) {
            return String(s).replace(/[&<>"]/g, function (c) {
              return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c];
            });
          }
          function nearest(times, t) {
            var lo = 0, hi = times.length - 1;
            while (lo < hi) {
              var mid = (lo + hi) >> 1;
              if (times[mid] < t) { lo = mid + 1; } else { hi = mid; }
            }
            if (lo > 0 && Math.abs(times[lo - 1] - t) < Math.abs(times[lo] - t)) { lo -= 1; }
            return lo;
          }
          function hide() {
            tip.style.display = 'none';
            cursors.forEach(function (line) { line.style.visibility = 'hidden'; });
          }
          // The cursor at `t` seconds on every chart, and the values of `svg`'s lines there.
          function showAt(svg, t, pageX, pageY) {
            var x = data.left + t / data.duration * data.plotWidth;
            cursors.forEach(function (line) {
              line.setAttribute('x1', x); line.setAttribute('x2', x); line.style.visibility = 'visible';
            });
            var html = '<b>+' + t.toFixed(t < 10 ? 2 : 1) + ' s</b>';
            var chart = data.charts[svg.getAttribute('data-chart')];
            if (chart) {
              chart.series.forEach(function (series) {
                if (!series.t.length) { return; }
                var i = nearest(series.t, t);
                html += '<br>' + esc(series.name) + ': ' + series.v[i] + (chart.unit ? ' ' + chart.unit : '');
              });
            }
            tip.innerHTML = html;
            tip.style.left = (pageX + 14) + 'px';
            tip.style.top = (pageY + 14) + 'px';
            tip.style.display = 'block';
          }
          document.querySelectorAll('svg.chart').forEach(function (svg) {
            svg.addEventListener('mousemove', function (event) {
              var box = svg.getBoundingClientRect();
              var x = (event.clientX - box.left) / box.width * data.width;
              if (x < data.left || x > data.left + data.plotWidth) { hide(); return; }
              showAt(svg, (x - data.left) / data.plotWidth * data.duration, event.pageX, event.pageY);
            });
            svg.addEventListener('mouseleave', hide);
          });
          // A link to an instant: page.html#t=12.5 puts the cursor there, with the CPU values.
          var moment = /^#t=([0-9.]+)$/.exec(location.hash);
          var first = document.querySelector('svg.chart');
          if (moment && first) {
            var box = first.getBoundingClientRect();
            var t = Math.min(parseFloat(moment[1]), data.duration);
            showAt(first, t, box.left + window.scrollX + (data.left + t / data.duration * data.plotWidth) / data.width * box.width,
              box.top + window.scrollY);
          }
          var filter = document.getElementById('logfilter');
          if (filter) {
            var rows = Array.prototype.slice.call(document.querySelectorAll('#loglist tr'));
            var count = document.getElementById('logcount');
            var apply = function () {
              var query = filter.value.toLowerCase(), shown = 0;
              rows.forEach(function (row) {
                var match = !query || row.textContent.toLowerCase().indexOf(query) >= 0;
                row.style.display = match ? '' : 'none';
                if (match) { shown += 1; }
              });
              count.textContent = shown + ' of ' + rows.length + ' shown';
            };
            filter.addEventListener('input', apply);
            apply();
          }
          document.body.setAttribute('data-charts', String(Object.keys(data.charts).length));
          document.body.setAttribute('data-report-ready', 'yes');
        })();
        """
}
