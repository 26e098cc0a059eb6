-brand = pollcast
lang-name = Deutsch
page-title = { $question } · { -brand }
vote = Abstimmen
you-voted = Sie haben abgestimmt
change-vote = Meine Stimme ändern
your-choice = Ihre Wahl: { $choice }
thanks = Danke, Ihre Stimme ist angekommen.
sending = Wird gesendet…
choose-option = Bitte wählen Sie zuerst eine Option.
choose-score = Bitte wählen Sie zuerst eine Bewertung.
choose-exactly = Wählen Sie { $min ->
    [one] eine Option
   *[other] { $min } Optionen
}.
choose-between = Wählen Sie { $min } bis { $max } Optionen.
choose-up-to = Wählen Sie bis zu { $max ->
    [one] eine Option
   *[other] { $max } Optionen
}.
ranked-hint = Bringen Sie die Optionen in eine Reihenfolge: die erste ist Ihr Favorit. Mit den Pfeiltasten oder durch Ziehen.
move-up = „{ $label }“ nach oben
move-down = „{ $label }“ nach unten
rank-position = Platz { $position }
rating-hint = Bewerten Sie von 1 bis { $max }.
nps-hint = 0 heißt überhaupt nicht wahrscheinlich, 10 äußerst wahrscheinlich.
score-label = { $score ->
    [one] 1 Stern
   *[other] { $score } Sterne
} von { $max }
votes = { $count ->
    [one] { $count } Stimme
   *[other] { $count } Stimmen
}
watching = { $count ->
    [one] { $count } Person schaut zu
   *[other] { $count } Personen schauen zu
}
share = { $share } %
average = Durchschnitt { $mean } von { $max }
runoff-winner = „{ $label }“ gewinnt nach { $rounds ->
    [one] der ersten Runde
   *[other] { $rounds } Runden
} der Stichwahl.
runoff-tie = Gleichstand zwischen { $labels }.
status-draft = Entwurf
status-scheduled = Geplant
status-open = Offen
status-closed = Geschlossen
opens-at = Öffnet { $time }
live-connecting = Verbinde…
live-on = Live
live-reconnecting = Verbinde erneut…
live-polling = Aktualisierung alle paar Sekunden
results-after-vote = Die Ergebnisse erscheinen nach Ihrer Stimmabgabe.
results-after-close = Die Ergebnisse erscheinen, wenn die Umfrage endet.
results-private = Die Ergebnisse sind privat.
results-heading = Ergebnisse
error-already-voted = Sie haben in dieser Umfrage bereits abgestimmt.
error-poll-closed = Diese Umfrage ist geschlossen.
error-poll-not-open = Diese Umfrage ist noch nicht geöffnet.
error-invalid-choice = Diese Auswahl ist für diese Umfrage nicht gültig. Bitte wählen Sie erneut.
error-verified-only = Diese Umfrage nimmt nur Stimmen angemeldeter Personen der betreibenden Website an.
error-busy = Der Server ist ausgelastet, Ihre Stimme wurde nicht gespeichert. Bitte versuchen Sie es erneut.
error-network = Netzwerkproblem: Ihre Stimme wurde nicht gesendet. Bitte versuchen Sie es erneut.
error-rate-limited = Zu viele Stimmen von Ihrer Verbindung. Bitte warten Sie einen Moment.
verifying = Ihr Browser wird geprüft…
error-verification = Ihr Browser konnte nicht geprüft werden. Bitte versuchen Sie es erneut.
error-form-limited = Gerade kommen zu viele Stimmen ohne JavaScript für diese Umfrage. Schalten Sie JavaScript ein oder versuchen Sie es in einer Minute erneut.
front-title = pollcast: Live-Umfragen zum Einbetten
front-lead = Auf diesem Server läuft pollcast. Website-Betreiber erstellen eine Umfrage, fügen ein Script-Tag ein, und Besucher stimmen ab und sehen die Ergebnisse live.
front-docs = Eine Umfrage einbetten
front-api = API-Referenz (OpenAPI)
front-errors = Fehlercodes
front-console = Ihre Umfragen
front-create = Umfrage erstellen
front-signin = Anmelden
front-embed = Eine Umfrage einbetten
front-setup = Diese Installation ist noch nicht eingerichtet. Um das erste Konto anzulegen, öffnen Sie den einmaligen Einrichtungslink, den pollcast beim Start ausgegeben hat (das Token steht auch in der Datei setup-token im Datenverzeichnis), oder führen Sie „pollcast user create“ aus.
powered-by = Erstellt mit { -brand }
not-found = Diese Umfrage gibt es nicht, oder sie ist nicht öffentlich.
rounds-heading = Runden der Stichwahl
round-line = Runde { $round }: { $tallies }
round-eliminated = ausgeschieden: { $labels }
open-text-hint = { $max ->
    [one] Eine Antwort
   *[other] Bis zu { $max } Antworten
}, je { $length } Zeichen.
entry-label = Antwort { $n }
send-answers = Senden
you-answered = Danke, Ihre Antworten sind angekommen.
entries = { $count ->
    [one] 1 Antwort
   *[other] { $count } Antworten
}
entry-count = { $text }: { $count }
terms-heading = Häufigste Antworten
terms-empty = Noch keine Antworten zu zeigen.
write-entry = Schreiben Sie zuerst eine Antwort.
error-entry = Jede Antwort braucht mindestens ein Wort, innerhalb der Längengrenze, und keine Antwort doppelt.
