"""People named in the passages an answer shows: people only, by the cues the text gives.

The passages are from the BBC corpus (entertainment, technology and politics stories),
where the chat's old "Named in these articles" line listed 'Christmas', 'Gonna Have',
'Maria Full', 'Orange Expressionist' and 'Wright Stuff'.
"""

from __future__ import annotations

from qa.news.people import people_in

SONG = (
    "The recipe includes a reference to Father Christmas, sleigh bells, a children's choir "
    "and a charity element. The book's analysts commissioned chart prank group Moped to "
    "create the first Christmas single using the whole formula - the song is called Gonna "
    "Have a No 1 This Christmas by Moped Vs Santa. \"Everybody says that Christmas number "
    "ones are formulaic,\" said editor David Roberts. Big festive hits over the years "
    "include Slade's Merry Christmas Everybody and Wham's Last Christmas.")
FILM = (
    "Other winners included Catalina Sandino Moreno, who took best actress for her role as "
    "a drug smuggler in the Colombian drama Maria Full of Grace.")
SHOW = (
    "Mr Blair told Five's Wright Stuff show: \"Let's just apologise and move on.\" The "
    "trouble began on the Wright Stuff show, with Maria Hutchings marching up to him.")
PICTURES = (
    "The Orange Expressionist exhibition last year, for example, displayed thousands of "
    "picture messages from people all over the UK.")


def test_titles_of_songs_films_shows_and_exhibitions_are_not_people() -> None:
    people = dict(people_in([("song", SONG), ("film", FILM), ("show", SHOW),
                             ("pictures", PICTURES)]))
    assert set(people) == {"David Roberts", "Catalina Sandino Moreno", "Blair"}
    for noise in ("Christmas", "Gonna Have", "Maria Full", "Orange Expressionist",
                  "Wright Stuff", "Everybody", "Merry Christmas Everybody"):
        assert not any(noise in name for name in people), noise


def test_a_surname_with_a_cue_makes_the_full_name_a_person() -> None:
    text = SHOW + " Mrs Hutchings was led back to the audience."
    assert dict(people_in([("show", text)])) == {"Blair": 1, "Maria Hutchings": 1}


def test_one_person_is_listed_once_under_the_fullest_name_with_the_articles_naming_them(
) -> None:
    passages = [("a", "Ambassador Sergio Gor met the minister in Delhi."),
                ("a", "Gor said the talks went well."),
                ("b", "US Ambassador Gor later posted on X.")]
    assert people_in(passages) == [("Sergio Gor", 2)]


def test_no_passages_name_no_one() -> None:
    assert people_in([]) == []
    assert people_in([("a", "it rained all day in the valley")]) == []
