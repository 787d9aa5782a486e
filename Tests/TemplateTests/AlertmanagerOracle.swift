/// Output of Go's text/template running Alertmanager's default templates (the text in
/// AlertmanagerDefaultTemplates) over `AlertmanagerTemplateTests.oracleData`, one
/// section per template or text, each introduced by a `=====` line.
let alertmanagerOracleOutput = #"""
=====__subject
[FIRING:2] HighCPU (node)
=====__alertmanagerURL
http://am.example:9093/#/alerts?receiver=team%5C-a
=====slack.default.title
[FIRING:2] HighCPU (node)
=====slack.default.fallback
[FIRING:2] HighCPU (node) | http://am.example:9093/#/alerts?receiver=team%5C-a
=====opsgenie.default.description
http://rb/cpu
Alerts Firing:
Labels:
 - alertname = HighCPU
 - instance = a:9100
 - job = node
 - severity = critical
Annotations:
 - runbook = http://rb/cpu
 - summary = CPU high on a
Source: http://prom/graph?g0.expr=x
Labels:
 - alertname = HighCPU
 - instance = b:9100
 - job = node
 - severity = warning
Annotations:
 - runbook = http://rb/cpu
 - summary = CPU high on b
Source: http://prom/graph?g0.expr=y

Alerts Resolved:
Labels:
 - alertname = HighCPU
 - instance = c:9100
 - job = node
 - severity = info
Annotations:
 - runbook = http://rb/cpu
Source: http://prom/graph?g0.expr=z

=====pagerduty.default.instances

ERR template: :7:41: executing "__text_alert_list" at <.>: range can't iterate over {team\-a firing [{firing alertname=HighCPU, instance=a:9100, job=node, severity=critical runbook=http://rb/cpu, summary=CPU high on a 2024-03-10 12:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC http://prom/graph?g0.expr=x 1111} {firing alertname=HighCPU, instance=b:9100, job=node, severity=warning runbook=http://rb/cpu, summary=CPU high on b 2024-03-10 12:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC http://prom/graph?g0.expr=y 2222} {resolved alertname=HighCPU, instance=c:9100, job=node, severity=info runbook=http://rb/cpu 2024-03-10 12:00:00 +0000 UTC 2024-03-10 13:00:00 +0000 UTC http://prom/graph?g0.expr=z 3333}] alertname=HighCPU alertname=HighCPU, job=node runbook=http://rb/cpu http://am.example:9093}
=====msteams.default.text


# Alerts Firing:

Labels:
  - alertname = HighCPU
  - instance = a:9100
  - job = node
  - severity = critical

Annotations:
  - runbook = http://rb/cpu
  - summary = CPU high on a

Source: http://prom/graph?g0.expr=x

Labels:
  - alertname = HighCPU
  - instance = b:9100
  - job = node
  - severity = warning

Annotations:
  - runbook = http://rb/cpu
  - summary = CPU high on b

Source: http://prom/graph?g0.expr=y




# Alerts Resolved:

Labels:
  - alertname = HighCPU
  - instance = c:9100
  - job = node
  - severity = info

Annotations:
  - runbook = http://rb/cpu

Source: http://prom/graph?g0.expr=z




=====msteams.default.title
[FIRING:2] HighCPU (node)
=====jira.default.priority
High
=====email.default.subject
[FIRING:2] HighCPU (node)
=====wechat.default.message
[FIRING:2] HighCPU (node)
http://rb/cpu
Alerts Firing:
Labels:
 - alertname = HighCPU
 - instance = a:9100
 - job = node
 - severity = critical
Annotations:
 - runbook = http://rb/cpu
 - summary = CPU high on a
Source: http://prom/graph?g0.expr=x
Labels:
 - alertname = HighCPU
 - instance = b:9100
 - job = node
 - severity = warning
Annotations:
 - runbook = http://rb/cpu
 - summary = CPU high on b
Source: http://prom/graph?g0.expr=y

Alerts Resolved:
Labels:
 - alertname = HighCPU
 - instance = c:9100
 - job = node
 - severity = info
Annotations:
 - runbook = http://rb/cpu
Source: http://prom/graph?g0.expr=z

AlertmanagerUrl:
http://am.example:9093/#/alerts?receiver=team%5C-a
=====telegram.default.message


Alerts Firing:
Labels:
 - alertname = HighCPU
 - instance = a:9100
 - job = node
 - severity = critical
Annotations:
 - runbook = http://rb/cpu
 - summary = CPU high on a
Source: http://prom/graph?g0.expr=x
Labels:
 - alertname = HighCPU
 - instance = b:9100
 - job = node
 - severity = warning
Annotations:
 - runbook = http://rb/cpu
 - summary = CPU high on b
Source: http://prom/graph?g0.expr=y



Alerts Resolved:
Labels:
 - alertname = HighCPU
 - instance = c:9100
 - job = node
 - severity = info
Annotations:
 - runbook = http://rb/cpu
Source: http://prom/graph?g0.expr=z



====={{ .Alerts }}
[{firing alertname=HighCPU, instance=a:9100, job=node, severity=critical runbook=http://rb/cpu, summary=CPU high on a 2024-03-10 12:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC http://prom/graph?g0.expr=x 1111} {firing alertname=HighCPU, instance=b:9100, job=node, severity=warning runbook=http://rb/cpu, summary=CPU high on b 2024-03-10 12:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC http://prom/graph?g0.expr=y 2222} {resolved alertname=HighCPU, instance=c:9100, job=node, severity=info runbook=http://rb/cpu 2024-03-10 12:00:00 +0000 UTC 2024-03-10 13:00:00 +0000 UTC http://prom/graph?g0.expr=z 3333}]
====={{ .CommonLabels }}
alertname=HighCPU, job=node
====={{ .CommonLabels.SortedPairs }}
alertname=HighCPU, job=node
====={{ (index .Alerts 0).StartsAt }}
2024-03-10 12:00:00 +0000 UTC
====={{ (index .Alerts 0).EndsAt }}
0001-01-01 00:00:00 +0000 UTC
====={{ printf "%v" .GroupLabels }}
alertname=HighCPU
====={{ range .Alerts }}{{ .StartsAt | date "Mon Jan 2 15:04:05 MST 2006" }}|{{ .StartsAt.Format "2006-01-02T15:04:05Z07:00" }}|{{ (.StartsAt | tz "America/New_York").Format "3:04PM MST -07:00" }}|{{ (.StartsAt | tz "Asia/Kolkata") }}|{{ .StartsAt | tz "Australia/Sydney" }}|{{ .StartsAt.Format "_2 __2 002 .000 ,999 pm" }}{{ end }}
Sun Mar 10 12:00:00 UTC 2024|2024-03-10T12:00:00Z|8:00AM EDT -04:00|2024-03-10 17:30:00 +0530 IST|2024-03-10 23:00:00 +1100 AEDT|10  70 070 .000  pmSun Mar 10 12:00:00 UTC 2024|2024-03-10T12:00:00Z|8:00AM EDT -04:00|2024-03-10 17:30:00 +0530 IST|2024-03-10 23:00:00 +1100 AEDT|10  70 070 .000  pmSun Mar 10 12:00:00 UTC 2024|2024-03-10T12:00:00Z|8:00AM EDT -04:00|2024-03-10 17:30:00 +0530 IST|2024-03-10 23:00:00 +1100 AEDT|10  70 070 .000  pm
====={{ .Alerts.Firing | len }} {{ .CommonLabels.Remove .GroupLabels.Names }} {{ .CommonLabels.Names }}
2 job=node [alertname job]
"""#
