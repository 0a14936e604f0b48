"""The words of the demo inbox: names, and what each client's public writes, in EN and IT.

Templates are ``(text, tag)`` pairs; ``{placeholders}`` are filled from :data:`FILLS` (and
``{me}``, the account's own @-handle) when the demo builds its pools. A tag is the label a
manager would put on such an item (the demo tags some of them).
"""

from __future__ import annotations

FIRST = {
    "it": [
        "Giulia",
        "Marco",
        "Francesca",
        "Luca",
        "Chiara",
        "Alessandro",
        "Sara",
        "Matteo",
        "Elena",
        "Davide",
        "Martina",
        "Andrea",
        "Valentina",
        "Simone",
        "Federica",
        "Lorenzo",
        "Silvia",
        "Paolo",
        "Laura",
        "Stefano",
        "Niccolò",
        "Beatrice",
        "Tommaso",
        "Ilaria",
        "Gabriele",
        "Noemi",
        "Riccardo",
        "Aurora",
        "Edoardo",
        "Camilla",
    ],
    "en": [
        "Emma",
        "James",
        "Olivia",
        "Liam",
        "Sophie",
        "Noah",
        "Hannah",
        "Lucas",
        "Mia",
        "Ethan",
        "Charlotte",
        "Daniel",
        "Amelia",
        "Jack",
        "Chloe",
        "Oliver",
        "Léa",
        "Jonas",
        "Ana",
        "Kenji",
        "Priya",
        "Mateo",
        "Ingrid",
        "Pieter",
        "Zoë",
        "Sean",
        "Aisha",
        "Björn",
        "Grace",
        "Tomás",
    ],
}
LAST = {
    "it": [
        "Rossi",
        "Russo",
        "Ferrari",
        "Esposito",
        "Bianchi",
        "Romano",
        "Colombo",
        "Ricci",
        "Marino",
        "Greco",
        "Bruno",
        "Gallo",
        "Conti",
        "De Luca",
        "Mancini",
        "Costa",
        "Giordano",
        "Rizzo",
        "Lombardi",
        "Moretti",
        "Barbieri",
        "Fontana",
        "Caruso",
        "Ferri",
        "D'Angelo",
    ],
    "en": [
        "Smith",
        "Johnson",
        "Brown",
        "Taylor",
        "Wilson",
        "Müller",
        "Schmidt",
        "Dubois",
        "Martin",
        "García",
        "Jansen",
        "Andersson",
        "Tanaka",
        "Patel",
        "O'Brien",
        "Kowalski",
        "Novak",
        "Silva",
        "Nielsen",
        "Evans",
        "Walsh",
        "Hughes",
        "Lefèvre",
        "Svensson",
        "Murphy",
    ],
}
MASTODON_INSTANCES = [
    "mastodon.social",
    "mastodon.uno",
    "fosstodon.org",
    "hachyderm.io",
    "mstdn.social",
    "livellosegreto.it",
    "mas.to",
]
MAIL_DOMAINS = [
    "gmail.com",
    "libero.it",
    "outlook.com",
    "yahoo.it",
    "icloud.com",
    "proton.me",
    "hotmail.com",
    "tiscali.it",
    "gmx.de",
    "fastwebnet.it",
]

FILLS: dict[str, list[str] | dict[str, list[str]]] = {  # a pool, or one per language
    "n": ["2", "3", "4", "5", "6", "8", "10", "12"],
    "n2": ["2", "3", "4", "6"],
    "time": ["8:30", "12:30", "13:00", "19:30", "20:00", "20:30", "21:15", "7:45"],
    "day": {
        "en": ["Friday", "Saturday", "Sunday", "tomorrow", "Monday", "the 12th"],
        "it": ["venerdì", "sabato", "domenica", "domani", "lunedì", "il 12"],
    },
    "month": {
        "en": ["December", "January", "March", "April", "May", "June"],
        "it": ["dicembre", "gennaio", "marzo", "aprile", "maggio", "giugno"],
    },
    "d1": ["3", "8", "12", "15", "20", "27"],
    "d2": ["5", "10", "14", "18", "23", "30"],
    "ref": [
        "BK-48213",
        "BK-51907",
        "BK-33018",
        "BK-77124",
        "HA-2291",
        "HA-3120",
        "INV-2026-0419",
        "INV-2026-0533",
    ],
    "room": ["104", "212", "215", "304", "318", "407", "502"],
    "item": {
        "en": ["phone charger", "sunglasses", "a blue scarf", "my laptop sleeve"],
        "it": [
            "il caricatore del telefono",
            "gli occhiali da sole",
            "una sciarpa blu",
            "la custodia del portatile",
        ],
    },
    "city": ["Milano", "Napoli", "Firenze", "München", "Zürich", "Lyon", "Bologna"],
    "staff": ["Giorgio", "Anna", "Karim", "Valeria", "Luis"],
    "dish": {
        "en": ["carbonara", "cacio e pepe", "amatriciana", "saltimbocca", "tiramisù"],
        "it": ["carbonara", "cacio e pepe", "amatriciana", "saltimbocca", "tiramisù"],
    },
    "mm": ["2", "4", "7", "11", "13"],
    "ss": ["05", "18", "32", "47"],
    "friend": ["@marta.vi", "@tom_k", "@giuly.r", "@benji88"],
    "ver": ["4.2", "4.2.1", "4.3", "5.0 beta"],
    "err": ["502 Bad Gateway", "500", "'invalid token'", "a blank page", "ERR_SYNC_TIMEOUT"],
    "place": {
        "en": ["Ponte Sisto", "Tiber Island", "Ponte Milvio", "Testaccio"],
        "it": ["Ponte Sisto", "Isola Tiberina", "Ponte Milvio", "Testaccio"],
    },
}

# client key -> kind -> language -> [(template, tag)]
TEMPLATES: dict[str, dict[str, dict[str, list[tuple[str, str]]]]] = {
    "hotel": {
        "reply": {
            "en": [
                ("Perfect, see you {day}!", ""),
                ("And what about parking?", ""),
                ("Great, can you send the confirmation by e-mail?", "booking"),
            ],
            "it": [
                ("Perfetto, a {day}!", ""),
                ("E per il parcheggio?", ""),
                ("Ottimo, mi mandate la conferma via e-mail?", "booking"),
            ],
        },
        "dm": {
            "en": [
                ("Hi, is a double room available from {d1} to {d2} {month}?", "booking"),
                ("Hello! Do you offer a transfer from Fiumicino? We land at {time}.", "booking"),
                ("Can we check in early on {day}? Our flight arrives at {time}.", ""),
                (
                    "Hi, I booked through a website but got no confirmation e-mail, ref {ref}. "
                    "Can you check?",
                    "booking",
                ),
                ("Is breakfast included in the rate? Is there a gluten-free option?", ""),
                ("We celebrate our anniversary on {day}, could you put flowers in the room?", ""),
                (
                    "Urgent: I left {item} in room {room}, we checked out this morning. "
                    "Can you keep it for me?",
                    "lost-item",
                ),
                ("Hi, I need to cancel reservation {ref}. How do I get a refund?", "refund"),
                ("Do you have parking? We are driving from {city}.", ""),
                ("Is the rooftop bar open to non-guests on {day}?", ""),
            ],
            "it": [
                ("Buongiorno, avete una camera doppia libera dal {d1} al {d2} {month}?", "booking"),
                ("Salve, fate servizio navetta da Fiumicino? Atterriamo alle {time}.", "booking"),
                ("È possibile fare il check-in anticipato {day}? Arriviamo alle {time}.", ""),
                (
                    "Buonasera, ho prenotato ma non mi è arrivata la conferma, codice {ref}.",
                    "booking",
                ),
                ("La colazione è inclusa? Avete opzioni senza glutine?", ""),
                (
                    "Urgente: ho dimenticato {item} nella camera {room}. Potete tenerlo da parte?",
                    "lost-item",
                ),
                ("Devo annullare la prenotazione {ref}, come ottengo il rimborso?", "refund"),
                ("Avete il parcheggio? Arriviamo in macchina da {city}.", ""),
                ("Il bar sulla terrazza è aperto anche ai non ospiti?", ""),
            ],
        },
        "comment": {
            "en": [
                ("Stunning view from the terrace! 😍", ""),
                ("How far is it from the Colosseum on foot?", ""),
                ("We stayed here in {month}, best breakfast in Rome!", ""),
                ("What's the price for {n} nights in {month}?", "booking"),
                ("{friend} this is where we should stay!", ""),
                ("Do you allow pets?", ""),
                ("Booked for {month}, can't wait ✨", ""),
            ],
            "it": [
                ("Che vista dalla terrazza! 😍", ""),
                ("Quanto dista dal Colosseo a piedi?", ""),
                ("Siamo stati da voi a {month}, colazione top!", ""),
                ("Prezzo per {n} notti a {month}?", "booking"),
                ("{friend} andiamo qui!", ""),
                ("Accettate animali?", ""),
            ],
        },
        "review": {
            "en": [
                ("Wonderful stay, {staff} at reception was amazing. 5 stars.", "review"),
                (
                    "Room was smaller than in the photos and the AC was broken. Expected more "
                    "for the price.",
                    "complaint",
                ),
                ("Perfect location, we walked everywhere. Breakfast could be better.", "review"),
                ("Terrible: charged twice, still waiting for a refund after {n} days.", "refund"),
                ("Noisy street at night, they changed our room at once. Great service.", "review"),
            ],
            "it": [
                ("Soggiorno splendido, {staff} alla reception gentilissimo. 5 stelle.", "review"),
                (
                    "Camera piccola e aria condizionata che non funziona. Per il prezzo mi "
                    "aspettavo di più.",
                    "complaint",
                ),
                ("Posizione perfetta, colazione migliorabile.", "review"),
                ("Addebito doppio, aspetto il rimborso da {n} giorni. Vergognoso.", "refund"),
            ],
        },
        "mention": {
            "en": [
                ("Morning coffee with a view ☕ {me} #roma #travel", ""),
                ("Last night in Rome 😢 thank you {me}", ""),
                ("Rooftop sunset at {me} 🌅", ""),
            ],
            "it": [
                ("Colazione con vista ☕ {me} #roma", ""),
                ("Weekend romano perfetto, grazie {me}", ""),
            ],
        },
        "email": {
            "en": [
                (
                    "Group booking for {n} people\n\nWe are organising a trip for {n} colleagues "
                    "in {month}. Could you send a quote for {n2} rooms?",
                    "booking",
                ),
                (
                    "Invoice request\n\nPlease send the invoice for reservation {ref} to our "
                    "company address.",
                    "invoice",
                ),
                (
                    "Complaint about my stay\n\nThe room was not cleaned during our stay and "
                    "nobody answered the phone. I expect a partial refund.",
                    "complaint",
                ),
                (
                    "Wedding guests block booking\n\nWe would like to reserve {n} rooms for our "
                    "wedding guests on {d1} {month}.",
                    "booking",
                ),
                (
                    "Lost property\n\nI think I left {item} in room {room}. Could you post it "
                    "to me?",
                    "lost-item",
                ),
            ],
            "it": [
                (
                    "Preventivo gruppo {n} persone\n\nStiamo organizzando una trasferta per {n} "
                    "colleghi a {month}. Potete inviarci un preventivo per {n2} camere?",
                    "booking",
                ),
                ("Richiesta fattura\n\nVi chiedo la fattura per la prenotazione {ref}.", "invoice"),
                (
                    "Reclamo\n\nLa camera {room} non è stata pulita e il wifi non funziona. "
                    "Chiedo un rimborso parziale.",
                    "complaint",
                ),
                (
                    "Oggetto smarrito\n\nHo dimenticato {item} in camera {room}, potete "
                    "spedirmelo?",
                    "lost-item",
                ),
            ],
        },
    },
    "startup": {
        "mention": {
            "en": [
                ("{me} the new dashboard in {ver} is 🔥", ""),
                ("{me} sync has been broken since this morning, anyone else?", "bug"),
                ("{me} any plans for a Linux app?", ""),
                ("Is {me} down? Getting {err} on login", "bug"),
                ("{me} how do I export my data as CSV?", ""),
                ("{me} I was charged twice this month, I need a refund", "refund"),
                ("Switched our team to {me}, onboarding took ten minutes 👏", ""),
                ("{me} API rate limits on the free plan are way too low", ""),
                ("{me} are you hiring?", "lead"),
                ("{me} urgent: {ver} broke our webhooks in production", "bug"),
            ],
            "it": [
                ("{me} la sincronizzazione non funziona da stamattina", "bug"),
                ("{me} c'è un modo per esportare i dati in CSV?", ""),
                ("{me} urgente: non riesco ad accedere, errore {err}", "bug"),
                ("{me} mi avete addebitato due volte, vorrei il rimborso", "refund"),
                ("Bella la nuova versione {ver} di {me}!", ""),
                ("{me} avete un piano per le scuole?", "lead"),
            ],
        },
        "reply": {
            "en": [
                ("Same here, still broken", "bug"),
                ("Thanks, that fixed it!", ""),
                ("Any update on this?", ""),
                ("+1, we need this too", ""),
            ],
            "it": [("Anche per me non funziona", "bug"), ("Grazie, risolto!", ""), ("Novità?", "")],
        },
        "comment": {
            "en": [
                ("Great tutorial, but at {mm}:{ss} the button looks different in {ver}?", ""),
                ("Can you make a video about the API?", ""),
                ("The installer crashes on Windows 11, broken since {ver}", "bug"),
                ("Audio is too low in this one", ""),
                ("Finally a tool that makes sense. Subscribed.", ""),
            ],
            "it": [
                ("Tutorial chiarissimo, grazie!", ""),
                ("Il link in descrizione non funziona", "bug"),
                ("Al minuto {mm}:{ss} da me il menu è diverso, perché?", ""),
            ],
        },
        "email": {
            "en": [
                (
                    "Cannot log in\n\nSince the update to {ver} I get {err} every time I try "
                    "to log in. This is urgent, our team is blocked.",
                    "bug",
                ),
                (
                    "Refund request for invoice {ref}\n\nWe cancelled last month but were "
                    "charged again. Please refund.",
                    "refund",
                ),
                (
                    "Enterprise plan for {n} seats\n\nWe'd like pricing for {n} seats and SSO.",
                    "lead",
                ),
                ("Bug: CSV export broken\n\nThe export stops at 1,000 rows since {ver}.", "bug"),
                (
                    "Partnership proposal\n\nWe run a newsletter with 40k readers and would "
                    "love to feature you.",
                    "lead",
                ),
                (
                    "GDPR data request\n\nPlease send me all personal data you hold about me.",
                    "privacy",
                ),
            ],
            "it": [
                (
                    "Accesso impossibile\n\nDall'aggiornamento {ver} ricevo {err}. È urgente, "
                    "il team è fermo.",
                    "bug",
                ),
                (
                    "Richiesta rimborso fattura {ref}\n\nAbbiamo disdetto ma ci avete "
                    "addebitato di nuovo.",
                    "refund",
                ),
                ("Preventivo per {n} utenti\n\nVorremmo un'offerta per {n} licenze.", "lead"),
            ],
        },
    },
    "restaurant": {
        "reply": {
            "en": [("Perfect, see you {day}!", ""), ("Can we bring a dog?", "")],
            "it": [
                ("Perfetto, a {day}!", ""),
                ("Possiamo portare il cane?", ""),
                ("Siamo in ritardo di 15 minuti, tenete il tavolo?", "booking"),
            ],
        },
        "comment": {
            "en": [
                ("Best {dish} in Rome 🤤", ""),
                ("Are you open on {day} evening?", ""),
                ("Do you have gluten-free pasta?", ""),
                ("{friend} we have to go here!", ""),
                ("Is it better to book or can we just walk in?", ""),
            ],
            "it": [
                ("Che buona la {dish}!", ""),
                ("Siete aperti a pranzo {day}?", ""),
                ("Avete opzioni vegane?", ""),
                ("{friend} ci andiamo sabato?", ""),
                ("La {dish} migliore di Trastevere 👌", ""),
            ],
        },
        "dm": {
            "en": [
                ("Hi, can I book a table for {n} tonight at {time}?", "booking"),
                ("Do you do takeaway?", ""),
                ("We are {n} with a wheelchair, is the entrance accessible?", ""),
            ],
            "it": [
                ("Buonasera, vorrei prenotare per {n} persone {day} alle {time}", "booking"),
                ("Festa di compleanno per {n}, avete una saletta?", "booking"),
                ("Fate asporto?", ""),
                ("Ho prenotato per {day} ma siamo {n2} in più, va bene?", "booking"),
            ],
        },
        "review": {
            "en": [
                ("Amazing food, rude waiter.", "complaint"),
                ("We waited 50 minutes for our mains. Never again.", "complaint"),
                ("The {dish} alone is worth the trip. ⭐⭐⭐⭐⭐", "review"),
            ],
            "it": [
                ("Tutto ottimo, prezzi onesti.", "review"),
                ("La {dish} migliore di Roma.", "review"),
                ("Servizio lentissimo e conto sbagliato. Non torneremo.", "complaint"),
            ],
        },
        "mention": {
            "en": [("Dinner at {me} 🍝 #trastevere", ""), ("{dish} o'clock at {me}", "")],
            "it": [("Pranzo della domenica da {me} ❤️", ""), ("Serata perfetta da {me}", "")],
        },
    },
    "nonprofit": {
        "reply": {
            "it": [("Ci sarò anche io!", "volunteer"), ("Serve portare i guanti?", "")],
            "en": [("Count me in!", "volunteer")],
        },
        "comment": {
            "it": [
                (
                    "Bellissima iniziativa! Come posso partecipare alla prossima pulizia?",
                    "volunteer",
                ),
                ("Il modulo di iscrizione non funziona, ho provato due volte", "bug"),
                ("Posso portare i miei figli (8 e 10 anni)?", "volunteer"),
                ("Ho fatto una donazione ma non ho ricevuto la ricevuta", "donation"),
                ("Grazie per quello che fate a {place}", ""),
            ],
            "en": [
                ("Great work! When is the next clean-up at {place}?", "volunteer"),
                ("Can tourists join for one day?", "volunteer"),
            ],
        },
        "mention": {
            "it": [
                ("{me} domenica ci siamo! 💪 #tevere", "volunteer"),
                ("Foto della pulizia di sabato a {place} con {me}", ""),
                ("{me} quanti sacchi avete raccolto?", ""),
            ],
            "en": [("Joined {me} at {place} today, what a team 🌿", "")],
        },
        "email": {
            "it": [
                (
                    "Volontariato aziendale\n\nLa nostra azienda vorrebbe organizzare una "
                    "giornata con {n} dipendenti a {month}.",
                    "volunteer",
                ),
                (
                    "Ricevuta donazione\n\nHo donato 50 euro ma non ho ricevuto la ricevuta "
                    "per la detrazione.",
                    "donation",
                ),
                (
                    "Richiesta patrocinio\n\nIl Municipio vorrebbe patrocinare la pulizia di "
                    "{month}.",
                    "",
                ),
            ],
            "en": [
                (
                    "Press enquiry\n\nI'm a journalist writing about the Tiber. Could we talk "
                    "this week?",
                    "press",
                ),
            ],
        },
    },
}

# Someone writing again in a thread (any client); each client adds its own "reply" templates.
FOLLOWUPS = {
    "en": [
        ("Thanks for the quick answer!", ""),
        ("Still waiting for an answer, please…", ""),
        ("Ok, thank you 🙏", ""),
        ("That doesn't work for me, is there another option?", ""),
        ("Any news? It's urgent", ""),
    ],
    "it": [
        ("Grazie mille!", ""),
        ("Sto ancora aspettando una risposta…", ""),
        ("Ok grazie 🙏", ""),
        ("Non va bene, c'è un'altra soluzione?", ""),
        ("Novità? È urgente", ""),
    ],
}

# What the manager writes back, by client.
OUR_REPLIES = {
    "hotel": {
        "en": [
            "Thank you for your message! We've noted your request and will confirm by "
            "e-mail shortly.",
            "Hi! Yes, that's possible: just let reception know your arrival time.",
            "We're so sorry about this. Please write to "
            "info@hotelaureliaroma.it with your booking reference and we'll sort it out.",
            "Thank you for staying with us! We hope to welcome you back soon. 🌅",
        ],
        "it": [
            "Grazie del messaggio! Abbiamo preso nota e le confermiamo via e-mail a breve.",
            "Buongiorno! Sì, è possibile: ci comunichi l'orario di arrivo.",
            "Ci scusiamo per l'inconveniente, ci scriva a info@hotelaureliaroma.it con il "
            "codice di prenotazione.",
            "Grazie per aver soggiornato da noi! A presto. 🌅",
        ],
    },
    "startup": {
        "en": [
            "Thanks for reporting! We're on it, follow status.nuvolalabs.io for updates.",
            "Hi! Settings → Export → CSV does it. Let us know if you get stuck.",
            "Sorry about that, DM us your account e-mail and we'll refund you today.",
            "Thank you! 💙",
        ],
        "it": [
            "Grazie della segnalazione, ci stiamo lavorando: aggiornamenti su status.nuvolalabs.io",
            "Ciao! Impostazioni → Esporta → CSV.",
            "Ci scusiamo, scrivici l'e-mail dell'account e ti rimborsiamo oggi.",
        ],
    },
    "restaurant": {
        "en": [
            "Thank you! See you soon at Da Gino 🍝",
            "Hi! Yes, table booked, see you then.",
            "We're sorry, we'll do better. Come back and the tiramisù is on us.",
        ],
        "it": [
            "Grazie di cuore! Vi aspettiamo 🍝",
            "Ciao! Tavolo prenotato, a presto.",
            "Ci dispiace, faremo meglio. Tornate a trovarci, il tiramisù lo offriamo noi.",
        ],
    },
    "nonprofit": {
        "it": [
            "Grazie! Iscrizioni sul sito, ci vediamo domenica alle 9 a Ponte Sisto.",
            "Ci scusiamo, la ricevuta arriva entro la settimana.",
            "Certo, i bambini sono benvenuti con un adulto 💚",
        ],
        "en": [
            "Thank you! Sign up on our website, next clean-up Sunday 9:00 at Ponte Sisto.",
            "Of course, everyone is welcome 💚",
        ],
    },
}
