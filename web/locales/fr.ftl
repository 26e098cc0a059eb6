-brand = pollcast
lang-name = Français
page-title = { $question } · { -brand }
vote = Voter
you-voted = Vous avez voté
change-vote = Modifier mon vote
your-choice = Votre choix : { $choice }
thanks = Merci, votre vote est enregistré.
sending = Envoi…
choose-option = Choisissez d’abord une option.
choose-score = Choisissez d’abord une note.
choose-exactly = Choisissez { $min ->
    [one] une option
   *[other] { $min } options
}.
choose-between = Choisissez de { $min } à { $max } options.
choose-up-to = Choisissez jusqu’à { $max ->
    [one] une option
   *[other] { $max } options
}.
ranked-hint = Classez les options : la première est votre préférée. Utilisez les flèches ou faites glisser.
move-up = Monter « { $label } »
move-down = Descendre « { $label } »
rank-position = Position { $position }
rating-hint = Notez de 1 à { $max }.
nps-hint = 0 signifie pas du tout probable, 10 extrêmement probable.
score-label = { $score ->
    [one] 1 étoile
   *[other] { $score } étoiles
} sur { $max }
votes = { $count ->
    [one] { $count } vote
   *[other] { $count } votes
}
watching = { $count ->
    [one] { $count } personne regarde
   *[other] { $count } personnes regardent
}
share = { $share } %
average = Moyenne { $mean } sur { $max }
runoff-winner = « { $label } » l’emporte après { $rounds ->
    [one] le premier tour
   *[other] { $rounds } tours
} de vote alternatif.
runoff-tie = Égalité entre { $labels }.
status-draft = Brouillon
status-scheduled = Programmé
status-open = Ouvert
status-closed = Clos
opens-at = Ouvre { $time }
live-connecting = Connexion…
live-on = En direct
live-reconnecting = Reconnexion…
live-polling = Mise à jour toutes les quelques secondes
results-after-vote = Les résultats s’affichent après votre vote.
results-after-close = Les résultats s’affichent à la clôture du sondage.
results-private = Les résultats sont privés.
results-heading = Résultats
error-already-voted = Vous avez déjà voté dans ce sondage.
error-poll-closed = Ce sondage est clos.
error-poll-not-open = Ce sondage n’est pas encore ouvert.
error-invalid-choice = Ce choix n’est pas valable pour ce sondage. Choisissez à nouveau.
error-verified-only = Ce sondage n’accepte que les votes des personnes connectées au site qui le publie.
error-busy = Le serveur est occupé et votre vote n’a pas été enregistré. Réessayez.
error-network = Problème de réseau : votre vote n’a pas été envoyé. Réessayez.
error-rate-limited = Trop de votes depuis votre connexion. Patientez un instant.
verifying = Vérification de votre navigateur…
error-verification = Votre navigateur n’a pas pu être vérifié. Réessayez.
error-form-limited = Trop de votes sans JavaScript pour ce sondage en ce moment. Activez JavaScript ou réessayez dans une minute.
front-title = pollcast : des sondages en direct à intégrer partout
front-lead = Ce serveur fait tourner pollcast. Les propriétaires de sites créent un sondage, collent une balise script, et les visiteurs votent et voient les résultats en direct.
front-docs = Intégrer un sondage
front-api = Référence de l’API (OpenAPI)
front-errors = Codes d’erreur
front-console = Vos sondages
front-create = Créer un sondage
front-signin = Se connecter
front-embed = Intégrer un sondage
front-setup = Cette installation n’est pas encore configurée. Pour créer son premier compte, ouvrez le lien de configuration à usage unique affiché par pollcast au démarrage (le jeton est aussi dans le fichier setup-token de son répertoire de données), ou lancez « pollcast user create ».
powered-by = Réalisé avec { -brand }
not-found = Ce sondage n’existe pas ou n’est pas public.
rounds-heading = Tours du vote alternatif
round-line = Tour { $round } : { $tallies }
round-eliminated = éliminé : { $labels }
open-text-hint = { $max ->
    [one] Une réponse
   *[other] Jusqu’à { $max } réponses
}, de { $length } caractères chacune.
entry-label = Réponse { $n }
send-answers = Envoyer
you-answered = Merci, vos réponses sont enregistrées.
entries = { $count ->
    [one] 1 réponse
   *[other] { $count } réponses
}
entry-count = { $text } : { $count }
terms-heading = Réponses les plus fréquentes
terms-empty = Aucune réponse à afficher pour l’instant.
write-entry = Écrivez d’abord une réponse.
error-entry = Chaque réponse demande au moins un mot, dans la limite de longueur, et aucune réponse en double.
