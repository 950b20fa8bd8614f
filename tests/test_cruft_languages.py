"""Cruft rules in the languages of the news: each language's comment sections, comment
forms and promos are removed; prose that uses the same words is kept."""

from __future__ import annotations

import pytest

from cleancorpus import Document, LineRemoval, remove_cruft
from cleancorpus.cruft import CruftSettings
from cleancorpus.cruft.rules import shipped_rules

PROSE = {
    "de": "Der Minister sagte am Montag, die Gespräche würden im nächsten Monat fortgesetzt.",
    "fr": "Le ministre a déclaré lundi que les négociations reprendraient le mois prochain.",
    "es": "El ministro dijo el lunes que las conversaciones continuarían el mes próximo.",
    "it": "Il ministro ha detto lunedì che i colloqui continueranno il mese prossimo.",
    "pt": "O ministro disse na segunda-feira que as conversas continuariam no próximo mês.",
    "pl": "Minister powiedział w poniedziałek, że rozmowy będą kontynuowane w przyszłym miesiącu.",
    "nl": "De minister zei maandag dat de gesprekken volgende maand worden voortgezet.",
    "ru": "Министр заявил в понедельник, что переговоры продолжатся в следующем месяце.",
    "uk": "Міністр заявив у понеділок, що переговори продовжаться наступного місяця.",
}

# (language, lines removed alone, a line that opens the comment section)
CRUFT = [
    ("de", ["Schreib einen Kommentar", "Ihre E-Mail-Adresse wird nicht veröffentlicht.", "Artikel teilen",
            "Lesezeit: 4 Minuten", "Newsletter abonnieren", "Weiterlesen", "Alle Cookies akzeptieren"],
     "120 Kommentare"),
    ("fr", ["Laisser un commentaire", "Votre adresse e-mail ne sera pas publiée.", "Partager sur Facebook",
            "Temps de lecture : 3 min", "Abonnez-vous à notre newsletter", "À lire aussi : la crise à Paris"],
     "12 commentaires"),
    ("es", ["Dejá tu comentario", "Tu dirección de correo electrónico no será publicada.", "Compartir en Twitter",
            "Tiempo de lectura: 5 minutos", "Suscríbete a nuestro boletín", "Te puede interesar"],
     "8 comentarios"),
    ("it", ["Lascia un commento", "Il tuo indirizzo email non sarà pubblicato.", "Condividi su Facebook",
            "Tempo di lettura: 2 min", "Iscriviti alla nostra newsletter", "Leggi anche"],
     "5 commenti"),
    ("pt", ["Deixe seu comentário", "O seu endereço de email não será publicado.", "Compartilhe",
            "Tempo de leitura: 4 min", "Leia também", "Aceitar todos os cookies"],
     "3 comentários"),
    ("pl", ["Dodaj komentarz", "Twój adres e-mail nie zostanie opublikowany.", "Udostępnij",
            "Czas czytania: 3 min", "Zapisz się na newsletter", "Czytaj także"],
     "14 komentarzy"),
    ("nl", ["Laat een reactie achter", "Je e-mailadres wordt niet gepubliceerd.", "Delen op Facebook",
            "Leestijd: 3 minuten", "Schrijf je in voor onze nieuwsbrief", "Lees ook"],
     "7 reacties"),
    ("ru", ["Оставить комментарий", "Ваш e-mail не будет опубликован.", "Поделиться", "Время чтения: 3 мин.",
            "Подпишитесь на нашу рассылку", "Читайте также"],
     "25 комментариев"),
    ("uk", ["Залишити коментар", "Ваша e-mail не буде опублікована.", "Поділитися", "Час читання: 3 хв",
            "Підпишіться на нашу розсилку", "Читайте також"],
     "9 коментарів"),
]


def test_every_language_rule_has_an_id_ending_in_its_language() -> None:
    langs = {rule.id: rule.lang for rule in shipped_rules()}
    for lang in PROSE:
        ours = [rule_id for rule_id in langs if rule_id.endswith(f"-{lang}")]
        assert {f"comment-section-{lang}", f"comment-form-{lang}", f"promo-{lang}"} <= set(ours)
        assert all(langs[rule_id] == lang for rule_id in ours)
    assert all(rule_id.endswith(f"-{lang}") for rule_id, lang in langs.items() if lang)


@pytest.mark.parametrize("lang, lines, opener", CRUFT, ids=[c[0] for c in CRUFT])
def test_cruft_lines_and_comment_sections_in_each_language(lang: str, lines: list[str], opener: str) -> None:
    prose = PROSE[lang]
    body = [prose] * 6
    text = "\n".join(body[:3] + lines + body[3:] + [opener, "Ein Leser: " + prose, prose])
    (cleaned,) = remove_cruft([Document("a", text)], CruftSettings(recurrence=False, repeats=False))
    kept = cleaned.text.split("\n")
    for line in lines:
        assert line not in kept, (lang, line)
    assert opener not in kept and kept.count(prose) == 6  # the article stays, the comments go
    rules = {r.rule for r in cleaned.records_of(LineRemoval)}
    assert any(rule.endswith(f"-{lang}") for rule in rules), rules


@pytest.mark.parametrize("lang", list(PROSE))
def test_sentences_that_use_the_words_are_kept(lang: str) -> None:
    sentences = {
        "de": "Die Kommentare des Ministers zum Newsletter wurden am Montag heftig kritisiert.",
        "fr": "Les commentaires du ministre sur la newsletter ont été vivement critiqués lundi.",
        "es": "Los comentarios del ministro sobre el boletín fueron muy criticados el lunes.",
        "it": "I commenti del ministro sulla newsletter sono stati molto criticati lunedì.",
        "pt": "Os comentários do ministro sobre a newsletter foram muito criticados na segunda.",
        "pl": "Komentarze ministra na temat newslettera zostały w poniedziałek ostro skrytykowane.",
        "nl": "De reacties van de minister op de nieuwsbrief werden maandag fel bekritiseerd.",
        "ru": "Комментарии министра о рассылке в понедельник подверглись резкой критике.",
        "uk": "Коментарі міністра щодо розсилки в понеділок зазнали різкої критики.",
    }
    text = "\n".join([PROSE[lang], sentences[lang], PROSE[lang]])
    (cleaned,) = remove_cruft([Document("a", text)], CruftSettings(recurrence=False, repeats=False))
    assert cleaned.text == text


# ---------------------------------------------------------------- guards (issue 15): article text kept

LONG_ARTICLE = [
    "The city council voted on Tuesday to expand the tram network to the northern districts by 2030.",
    "The plan, which costs 400 million euros, was approved by 31 votes to 12 after a long debate.",
    "Opponents said the money would be better spent on buses, which can be rerouted more easily.",
    "The mayor said construction would start next spring, once the final designs are published.",
    "Residents of the northern districts have waited for a tram line for more than twenty years.",
    "The first section, from the central station to the university, should open in four years.",
]


def test_a_date_range_is_not_a_comment_timestamp() -> None:
    from cleancorpus.cruft.comments import _has_signal

    assert not _has_signal("Aktionszeitraum: 21.10.2019 – 27.10.2019")
    assert not _has_signal("Valid 01.02.2020 - 15.03.2020 in all stores")
    assert _has_signal("March 3, 2011 at 10:11 am") and _has_signal("03.03.2011, 14:43")


FORUM_POSTS = [
    ("Klaus_M", "03.03.2011, 14:43", "Hallo zusammen, seit gestern macht unsere Gasheizung ein lautes Klopfen, "
     "wenn sie anspringt. Das Gerät ist ein zehn Jahre alter Brennwertkessel. Hat jemand eine Idee, woran das "
     "liegen könnte? Der Installateur kommt erst in zwei Wochen, und bis dahin möchte ich wenigstens wissen, "
     "ob ich das Gerät gefahrlos weiter betreiben kann oder lieber abschalten sollte."),
    ("Thermo_Peter", "03.03.2011, 15:02", "Das klingt nach Luft im System. Hast du die Heizkörper schon "
     "entlüftet und den Wasserdruck am Manometer geprüft?"),
    ("Klaus_M", "03.03.2011, 16:20", "Danke, der Druck lag bei 0,8 bar. Ich habe Wasser nachgefüllt und jetzt "
     "ist das Klopfen deutlich leiser geworden."),
    ("Heizungsbauer_Nord", "04.03.2011, 09:12", "Bei dem Alter würde ich trotzdem den Wärmetauscher prüfen "
     "lassen, Kalk macht genau dieses Geräusch."),
]


def test_a_forum_thread_with_post_stamps_is_content_not_comments() -> None:
    """Every post of a thread carries "- 03.03.2011, 14:43" (the first one too): the posts
    are the page; a blog post with comments stamped below it still loses its comments."""
    thread = ["Re: Heizung macht Geräusche"]
    for user, stamp, body in FORUM_POSTS:
        thread += [f"{user} - {stamp}", body]
    (kept,) = remove_cruft([Document("forum", "\n".join(thread))], CruftSettings(recurrence=False))
    assert kept.text == "\n".join(thread)
    blog = ["Why our heating knocks", "Posted on March 3, 2011 by admin", *LONG_ARTICLE]
    comments = ["Klaus on March 3, 2011 at 2:43 pm", "Same here, the pressure was far too low.",
                "Peter on March 3, 2011 at 3:02 pm", "Bleeding the radiators fixed it for me.",
                "Anna on March 4, 2011 at 9:12 am", "Thanks for writing this up so clearly."]
    (cut,) = remove_cruft([Document("blog", "\n".join(blog + comments))], CruftSettings(recurrence=False))
    assert all(line in cut.text for line in LONG_ARTICLE)
    assert not any(line in cut.text for line in comments)


def test_an_end_matter_heading_followed_by_more_news_is_kept() -> None:
    more = ["In other developments:",  # three news paragraphs follow (the issue saw four cut)
            "The regional parliament approved the budget for next year after a long night of negotiations "
            "in which the opposition tried to block the new taxes on fuel and tobacco.",
            "Police said the motorway would stay closed until Friday while engineers continue repairs on the "
            "bridge that was damaged by the floods at the beginning of the month.",
            "The national weather service warned of more heavy rain in the mountains over the weekend and "
            "asked hikers to avoid the higher trails until the storms have passed."]
    doc = Document("n", "\n".join(["Trams for the north", *(LONG_ARTICLE * 4), *more]))  # a long article
    (clean,) = remove_cruft([doc], CruftSettings(recurrence=False))
    assert all(line in clean.text for line in more[1:])
    links = ["Related Posts", "Ten trams we loved", "Why buses are back"]  # end matter proper still goes
    (cut,) = remove_cruft([Document("r", "\n".join(["Trams for the north", *LONG_ARTICLE, *links]))],
                          CruftSettings(recurrence=False))
    assert all(line not in cut.text for line in links)


def test_a_quotation_wrapped_over_lines_is_not_removed_as_recurring() -> None:
    quote = ["“We will not accept any agreement that does not guarantee",
             "the safety of our people,” the minister said."]
    docs = []
    for i in range(6):  # the same statement reprinted in several stories of one site
        body = [f"Story {i} about the talks", f"Talks resumed on day {i} of the summit in Vienna, officials said "
                "after a long and tense morning session.", *(quote if i < 3 else []),
                f"Delegations from {i + 3} countries attended the meeting, which ended late in the evening."]
        docs.append(Document(f"{i}", "\n".join(body), source="wire"))
    cleaned = remove_cruft(docs)
    for doc in cleaned[:3]:
        assert quote[0] in doc.text and quote[1] in doc.text, doc.records


def test_a_promo_sentence_on_a_third_of_a_sites_pages_is_removed_and_background_is_kept() -> None:
    promo = "For the latest stories and breaking news updates download the Nationnews apps for iOS and Android."
    background = ("The two countries fought a six-week war over the region in 2020, which ended in a "
                  "ceasefire brokered by Moscow.")
    topics = ["budget", "harbour", "railway", "election", "drought", "museum", "strike", "bridge", "summit"]
    docs = []
    for i, topic in enumerate(topics):  # nine different stories of one site
        body = [f"The {topic} story of the day", f"Officials met to discuss the {topic} with the ministers, "
                f"who said the {topic} would be the first item of the session in the capital city.",
                *([promo] if i % 3 else []),                 # on 6 of 9 pages
                *([background] if i in (2, 5) else []),      # on 2 of 9: a wire story's background
                f"The talks on the {topic} will continue next week with delegations from every region."]
        docs.append(Document(str(i), "\n".join(body), source="nationnews"))
    cleaned = remove_cruft(docs)
    assert all(promo not in doc.text for doc in cleaned)
    assert [(r.text, r.rule) for r in cleaned[1].records_of(LineRemoval)] == [(promo, "recurring:nationnews")]
    assert background in cleaned[2].text and background in cleaned[5].text
    few = remove_cruft([Document(str(i), f"Story {i}\n{promo}\nMore text here for story number {i} today.",
                                 source="small") for i in range(4)])
    assert all(promo in doc.text for doc in few)  # four pages are too few to call a sentence recurring


COOKIE_NOTICES = {  # the consent sentences sites print on every page (a long line, so no recurrence guard applies)
    "en": "We use cookies to ensure that we give you the best experience on our website. If you continue to use "
          "this site we will assume that you are happy with it.",
    "de": "Wir verwenden Cookies, um Ihnen das beste Erlebnis auf unserer Website zu bieten.",
    "fr": "Nous utilisons des cookies pour vous garantir la meilleure expérience sur notre site web.",
    "es": "Utilizamos cookies para asegurar que damos la mejor experiencia al usuario en nuestro sitio web.",
    "it": "Utilizziamo i cookie per essere sicuri che tu possa avere la migliore esperienza sul nostro sito. Se "
          "continui ad utilizzare questo sito noi assumiamo che tu ne sia felice.",
    "pt": "Utilizamos cookies para garantir que você tenha a melhor experiência em nosso site.",
    "pl": "Używamy plików cookies, aby zapewnić najlepsze doświadczenia na naszej stronie.",
    "nl": "Wij gebruiken cookies om ervoor te zorgen dat onze website zo soepel mogelijk draait.",
    "ru": "Мы используем файлы cookie, чтобы улучшить работу сайта.",
    "uk": "Ми використовуємо файли cookie, щоб покращити роботу сайту.",
}


@pytest.mark.parametrize("lang", sorted(COOKIE_NOTICES))
def test_cookie_notices_go_and_sentences_about_cookies_stay(lang: str) -> None:
    """A real notice (the Italian one is from a page of the article-extraction set, where it
    cost precision) goes on one page; an article sentence about cookies stays."""
    article = PROSE.get(lang, LONG_ARTICLE[0])
    text = "\n".join([article, COOKIE_NOTICES[lang], article + " "])
    (cleaned,) = remove_cruft([Document("a", text)], CruftSettings(recurrence=False, repeats=False))
    assert COOKIE_NOTICES[lang] not in cleaned.text and article in cleaned.text
    story = "Regulators said on Monday that the company had used cookies to track users without their consent."
    (kept,) = remove_cruft([Document("b", "\n".join([article, story]))], CruftSettings(recurrence=False))
    assert story in kept.text


def test_the_rules_command_lists_every_rule_with_its_id_and_language(tmp_path) -> None:
    import json
    import subprocess
    import sys

    mine = tmp_path / "mine.toml"
    mine.write_text('[[rule]]\nid = "house-promo"\nfamily = "newsletter"\npattern = "read the daily bugle"\n')
    done = subprocess.run([sys.executable, "-m", "cleancorpus", "rules", "--json", "--rules", str(mine)],
                          capture_output=True, text=True, check=True)
    listed = {row["id"]: row for row in json.loads(done.stdout)}
    assert set(listed) == {rule.id for rule in shipped_rules()} | {"house-promo"}
    assert listed["promo-pl"]["lang"] == "pl" and listed["cookie-notice"]["lang"] == "en/any"
    polish = subprocess.run([sys.executable, "-m", "cleancorpus", "rules", "--lang", "pl"], capture_output=True,
                            text=True, check=True).stdout
    assert "comment-form-pl" in polish and "comment-form-de" not in polish
    missing = subprocess.run([sys.executable, "-m", "cleancorpus", "rules", "--rules", str(tmp_path / "none.toml")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
