use abbo::store::activity::{self, NewActivity};
use abbo::store::{self, merchants};

use crate::helpers::spawn_app;

#[tokio::test]
async fn fifty_concurrent_writes_all_succeed() {
    let app = spawn_app().await;
    app.setup().await;
    let merchant_id = merchants::list(&app.db).await.unwrap().remove(0).id;
    let before = activity::count(&app.db, &merchant_id).await.unwrap();

    let writes = (0..50).map(|i| {
        let db = app.db.clone();
        let merchant_id = merchant_id.clone();
        tokio::spawn(async move {
            let mut tx = db.begin().await?;
            // Read-then-write inside one transaction: the pattern that fails with
            // "database is locked" on SQLite when writers are not serialised.
            abbo::store::users::count_owners(&mut tx, &merchant_id).await?;
            let entry = NewActivity {
                merchant_id: &merchant_id,
                actor_id: None,
                actor_label: "test",
                subject_type: "test",
                subject_id: &format!("write-{i}"),
                action: "test.write",
                details: String::new(),
            };
            activity::record(&mut tx, &entry, store::now()).await?;
            tx.commit().await
        })
    });
    let results = futures_util::future::join_all(writes).await;
    for result in results {
        result.unwrap().expect("every concurrent write succeeds");
    }
    assert_eq!(
        activity::count(&app.db, &merchant_id).await.unwrap(),
        before + 50
    );
}

#[tokio::test]
async fn fifty_concurrent_form_posts_all_succeed() {
    let app = spawn_app().await;
    app.setup().await;
    let token = crate::helpers::csrf_token(&app.page("/admin/settings").await);
    let posts = (0..50).map(|i| {
        let name = format!("Shop {i}");
        let request = app.client.post(app.url("/admin/settings")).form(&[
            ("csrf_token", token.as_str()),
            ("name", name.as_str()),
            ("default_language", "en"),
            ("brand_colour", "#123456"),
        ]);
        async move { request.send().await.unwrap().status() }
    });
    for status in futures_util::future::join_all(posts).await {
        assert_eq!(status, reqwest::StatusCode::SEE_OTHER);
    }
    let merchant_id = merchants::list(&app.db).await.unwrap().remove(0).id;
    let updates = activity::recent(&app.db, &merchant_id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "settings.updated")
        .count();
    assert_eq!(updates, 50);
}

#[tokio::test]
async fn migrations_are_idempotent_on_a_restart() {
    let app = spawn_app().await;
    app.setup().await;
    // A second start against the same database applies nothing twice and keeps the data.
    app.db.migrate().await.unwrap();
    assert!(merchants::any_exists(&app.db).await.unwrap());
}
