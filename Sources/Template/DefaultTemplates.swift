// The named templates below reproduce Alertmanager's template/default.tmpl.
//
// Copyright 2015 The Prometheus Authors
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.
//
// `email.default.subject` and `email.default.html` come from Alertmanager's
// email.tmpl; the HTML here is a simplified rendition of it (same content,
// without the inlined mailgun styles).

/// Alertmanager's built-in notification templates.
public enum AlertmanagerDefaultTemplates {
    /// The text of default.tmpl (plus the email templates).
    public static let text: String = defaultTemplate + "\n" + emailTemplate

    /// A template set with Alertmanager's functions and default templates loaded,
    /// ready for the user's `templates:` files (parse them into it in order).
    /// Fails only when `options` are too tight for the default templates (e.g. a tiny `maxNesting`).
    public static func set(
        functions: TemplateFunctions = .alertmanager(), options: TemplateOptions = TemplateOptions()
    ) throws(TemplateError) -> TemplateSet {
        var set = TemplateSet(functions: functions, options: options)
        try set.parse(name: "", text: text)
        return set
    }

    static let defaultTemplate = #"""
        {{ define "__alertmanager" }}Alertmanager{{ end }}
        {{ define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}{{ end }}

        {{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}
        {{ define "__description" }}{{ end }}

        {{ define "__text_alert_list" }}{{ range . }}Labels:
        {{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
        {{ end }}Annotations:
        {{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
        {{ end }}Source: {{ .GeneratorURL }}
        {{ end }}{{ end }}

        {{ define "__text_alert_list_markdown" }}{{ range . }}
        Labels:
        {{ range .Labels.SortedPairs }}  - {{ .Name }} = {{ .Value }}
        {{ end }}
        Annotations:
        {{ range .Annotations.SortedPairs }}  - {{ .Name }} = {{ .Value }}
        {{ end }}
        Source: {{ .GeneratorURL }}
        {{ end }}
        {{ end }}

        {{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
        {{ define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end }}
        {{ define "slack.default.fallback" }}{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}{{ end }}
        {{ define "slack.default.callbackid" }}{{ end }}
        {{ define "slack.default.pretext" }}{{ end }}
        {{ define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
        {{ define "slack.default.iconemoji" }}{{ end }}
        {{ define "slack.default.iconurl" }}{{ end }}
        {{ define "slack.default.text" }}{{ end }}
        {{ define "slack.default.footer" }}{{ end }}


        {{ define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end }}
        {{ define "pagerduty.default.client" }}{{ template "__alertmanager" . }}{{ end }}
        {{ define "pagerduty.default.clientURL" }}{{ template "__alertmanagerURL" . }}{{ end }}
        {{ define "pagerduty.default.instances" }}{{ template "__text_alert_list" . }}{{ end }}


        {{ define "opsgenie.default.message" }}{{ template "__subject" . }}{{ end }}
        {{ define "opsgenie.default.description" }}{{ .CommonAnnotations.SortedPairs.Values | join " " }}
        {{ if gt (len .Alerts.Firing) 0 -}}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{- end }}
        {{ if gt (len .Alerts.Resolved) 0 -}}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{- end }}
        {{- end }}
        {{ define "opsgenie.default.source" }}{{ template "__alertmanagerURL" . }}{{ end }}


        {{ define "wechat.default.message" }}{{ template "__subject" . }}
        {{ .CommonAnnotations.SortedPairs.Values | join " " }}
        {{ if gt (len .Alerts.Firing) 0 -}}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{- end }}
        {{ if gt (len .Alerts.Resolved) 0 -}}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{- end }}
        AlertmanagerUrl:
        {{ template "__alertmanagerURL" . }}
        {{- end }}
        {{ define "wechat.default.to_user" }}{{ end }}
        {{ define "wechat.default.to_party" }}{{ end }}
        {{ define "wechat.default.to_tag" }}{{ end }}
        {{ define "wechat.default.agent_id" }}{{ end }}



        {{ define "victorops.default.state_message" }}{{ .CommonAnnotations.SortedPairs.Values | join " " }}
        {{ if gt (len .Alerts.Firing) 0 -}}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{- end }}
        {{ if gt (len .Alerts.Resolved) 0 -}}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{- end }}
        {{- end }}
        {{ define "victorops.default.entity_display_name" }}{{ template "__subject" . }}{{ end }}
        {{ define "victorops.default.monitoring_tool" }}{{ template "__alertmanager" . }}{{ end }}

        {{ define "pushover.default.title" }}{{ template "__subject" . }}{{ end }}
        {{ define "pushover.default.message" }}{{ .CommonAnnotations.SortedPairs.Values | join " " }}
        {{ if gt (len .Alerts.Firing) 0 }}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{ end }}
        {{ end }}
        {{ define "pushover.default.url" }}{{ template "__alertmanagerURL" . }}{{ end }}

        {{ define "sns.default.subject" }}{{ template "__subject" . }}{{ end }}
        {{ define "sns.default.message" }}{{ .CommonAnnotations.SortedPairs.Values | join " " }}
        {{ if gt (len .Alerts.Firing) 0 }}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{ define "telegram.default.message" }}
        {{ if gt (len .Alerts.Firing) 0 }}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{ define "discord.default.content" }}{{ end }}
        {{ define "discord.default.title" }}{{ template "__subject" . }}{{ end }}
        {{ define "discord.default.message" }}
        {{ if gt (len .Alerts.Firing) 0 }}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{ define "webex.default.message" }}{{ .CommonAnnotations.SortedPairs.Values | join " " }}
        {{ if gt (len .Alerts.Firing) 0 }}
        Alerts Firing:
        {{ template "__text_alert_list" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        Alerts Resolved:
        {{ template "__text_alert_list" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{ define "msteams.default.summary" }}{{ template "__subject" . }}{{ end }}
        {{ define "msteams.default.title" }}{{ template "__subject" . }}{{ end }}
        {{ define "msteams.default.text" }}
        {{ if gt (len .Alerts.Firing) 0 }}
        # Alerts Firing:
        {{ template "__text_alert_list_markdown" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        # Alerts Resolved:
        {{ template "__text_alert_list_markdown" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{ define "msteamsv2.default.title" }}{{ template "__subject" . }}{{ end }}
        {{ define "msteamsv2.default.text" }}
        {{ if gt (len .Alerts.Firing) 0 }}
        # Alerts Firing:
        {{ template "__text_alert_list_markdown" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        # Alerts Resolved:
        {{ template "__text_alert_list_markdown" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{ define "jira.default.summary" }}{{ template "__subject" . }}{{ end }}
        {{ define "jira.default.description" }}
        {{ if gt (len .Alerts.Firing) 0 }}
        # Alerts Firing:
        {{ template "__text_alert_list_markdown" .Alerts.Firing }}
        {{ end }}
        {{ if gt (len .Alerts.Resolved) 0 }}
        # Alerts Resolved:
        {{ template "__text_alert_list_markdown" .Alerts.Resolved }}
        {{ end }}
        {{ end }}

        {{- define "jira.default.priority" -}}
        {{- $priority := "" }}
        {{- range .Alerts.Firing -}}
            {{- $severity := index .Labels "severity" -}}
            {{- if (eq $severity "critical") -}}
                {{- $priority = "High" -}}
            {{- else if (and (eq $severity "warning") (ne $priority "High")) -}}
                {{- $priority = "Medium" -}}
            {{- else if (and (eq $severity "info") (eq $priority "")) -}}
                {{- $priority = "Low" -}}
            {{- end -}}
        {{- end -}}
        {{- if eq $priority "" -}}
            {{- range .Alerts.Resolved -}}
                {{- $severity := index .Labels "severity" -}}
                {{- if (eq $severity "critical") -}}
                    {{- $priority = "High" -}}
                {{- else if (and (eq $severity "warning") (ne $priority "High")) -}}
                    {{- $priority = "Medium" -}}
                {{- else if (and (eq $severity "info") (eq $priority "")) -}}
                    {{- $priority = "Low" -}}
                {{- end -}}
            {{- end -}}
        {{- end -}}
        {{- $priority -}}
        {{- end -}}

        {{ define "rocketchat.default.title" }}{{ template "__subject" . }}{{ end }}
        {{ define "rocketchat.default.alias" }}{{ template "__alertmanager" . }}{{ end }}
        {{ define "rocketchat.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
        {{ define "rocketchat.default.emoji" }}{{ end }}
        {{ define "rocketchat.default.iconurl" }}{{ end }}
        {{ define "rocketchat.default.text" }}{{ end }}
        """#

    static let emailTemplate = #"""
        {{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
        {{ define "email.default.html" }}<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
        <html xmlns="http://www.w3.org/1999/xhtml">
        <head>
        <meta name="viewport" content="width=device-width" />
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
        <title>{{ template "__subject" . }}</title>
        </head>
        <body>
        <table width="100%" cellpadding="0" cellspacing="0">
          <tr>
            <td style="background-color: #E6522C; color: #fff; padding: 20px; text-align: center;">
              {{ .Alerts | len }} alert{{ if gt (len .Alerts) 1 }}s{{ end }} for {{ range .GroupLabels.SortedPairs }}
                {{ .Name }}={{ .Value }}
              {{ end }}
            </td>
          </tr>
          <tr>
            <td style="padding: 10px;">
              <a href="{{ template "__alertmanagerURL" . }}">View in {{ template "__alertmanager" . }}</a>
            </td>
          </tr>
          {{ if gt (len .Alerts.Firing) 0 }}
          <tr><td><strong>[{{ .Alerts.Firing | len }}] Firing</strong></td></tr>
          {{ end }}
          {{ range .Alerts.Firing }}
          <tr>
            <td>
              <strong>Labels</strong><br />
              {{ range .Labels.SortedPairs }}{{ .Name }} = {{ .Value }}<br />{{ end }}
              {{ if gt (len .Annotations) 0 }}<strong>Annotations</strong><br />{{ end }}
              {{ range .Annotations.SortedPairs }}{{ .Name }} = {{ .Value }}<br />{{ end }}
              <a href="{{ .GeneratorURL }}">Source</a><br />
            </td>
          </tr>
          {{ end }}
          {{ if gt (len .Alerts.Resolved) 0 }}
            {{ if gt (len .Alerts.Firing) 0 }}
          <tr><td><br /><hr /><br /></td></tr>
            {{ end }}
          <tr><td><strong>[{{ .Alerts.Resolved | len }}] Resolved</strong></td></tr>
          {{ end }}
          {{ range .Alerts.Resolved }}
          <tr>
            <td>
              <strong>Labels</strong><br />
              {{ range .Labels.SortedPairs }}{{ .Name }} = {{ .Value }}<br />{{ end }}
              {{ if gt (len .Annotations) 0 }}<strong>Annotations</strong><br />{{ end }}
              {{ range .Annotations.SortedPairs }}{{ .Name }} = {{ .Value }}<br />{{ end }}
              <a href="{{ .GeneratorURL }}">Source</a><br />
            </td>
          </tr>
          {{ end }}
          <tr>
            <td style="color: #999; font-size: 12px; text-align: center; padding: 20px;"><a href="{{ .ExternalURL }}">Sent by {{ template "__alertmanager" . }}</a></td>
          </tr>
        </table>
        </body>
        </html>
        {{ end }}
        """#
}
